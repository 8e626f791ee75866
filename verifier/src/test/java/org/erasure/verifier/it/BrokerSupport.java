package org.erasure.verifier.it;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.events.serde.EventSerdes;
import org.erasure.verifier.config.VerifierConfig;

/** Shared helpers for tests against the real broker. */
final class BrokerSupport {
    static final String DIGEST_KEY = "it-digest-key-0123456789abcdef";

    private BrokerSupport() {}

    /** Settings for one instance of a test's verifier; topics are isolated by a per-test prefix. */
    static Map<String, Object> settings(KafkaBroker kafka, TestNames names, int partitions, Path stateDir) {
        Map<String, Object> s = new HashMap<>();
        s.put("verifier.application-id", "verifier-" + names.stem());
        s.put("verifier.bootstrap-servers", kafka.bootstrapServers());
        s.put("verifier.topic-prefix", names.stem() + ".");
        s.put("verifier.partitions", partitions);
        s.put("verifier.state-dir", stateDir.toString());
        s.put("verifier.digest-key", DIGEST_KEY);
        s.put("verifier.timeouts.punctuation-interval", "1s");
        s.put("verifier.timeouts.min-wait", "5s");
        s.put("verifier.http.port", 0);
        s.put("verifier.http.advertised-host", "localhost");
        // Fast failure detection and small commit intervals keep the tests quick on 2 cores.
        s.put("verifier.kafka-streams.\"session.timeout.ms\"", 6000);
        s.put("verifier.kafka-streams.\"heartbeat.interval.ms\"", 1500);
        s.put("verifier.kafka-streams.\"transaction.timeout.ms\"", 10000);
        s.put("verifier.kafka-streams.\"commit.interval.ms\"", 100);
        return s;
    }

    static VerifierConfig config(Map<String, Object> settings) {
        return VerifierConfig.from(ConfigFactory.parseMap(settings));
    }

    static Topics topics(TestNames names) {
        return Topics.withPrefix(names.stem() + ".");
    }

    static void createTopics(KafkaBroker kafka, TestNames names, int partitions) {
        Topics t = topics(names);
        kafka.createTopics(partitions, List.of(t.requests(), t.requestsBulk(), t.phaseCompletions(), t.phaseCompletionsBulk(), t.completions()));
    }

    static KafkaProducer<String, String> producer(KafkaBroker kafka) {
        Map<String, Object> config = kafka.producerConfig();
        config.put("linger.ms", 5);
        // Right after topic creation a partition may answer NOT_LEADER; with several batches in flight the
        // idempotent producer's retries can then loop on OUT_OF_ORDER_SEQUENCE on a busy machine.
        config.put("max.in.flight.requests.per.connection", 1);
        return new KafkaProducer<>(config);
    }

    static void send(KafkaProducer<String, String> producer, Topics topics, ContributorErasureRequested r) {
        producer.send(new ProducerRecord<>(topics.requests(), r.kafkaKey(), EventJson.writeString(r)));
    }

    static void send(KafkaProducer<String, String> producer, Topics topics, PhaseCompleted p) {
        producer.send(new ProducerRecord<>(topics.phaseCompletions(), p.kafkaKey(), EventJson.writeString(p)));
    }

    /** A committed completion with where it was read. */
    record Read(int partition, long offset, ErasureCompleted record) {}

    /** Reads committed completions until at least {@code expected} arrived (and a short quiet period after). */
    static List<Read> readCompletions(KafkaBroker kafka, String topic, int expected, Duration timeout) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Read> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new Read(r.partition(), r.offset(), EventSerdes.erasureCompleted().deserializer()
                            .deserialize(topic, r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                }
                return out.size() >= expected;
            });
            // Anything extra (a duplicate) would arrive right behind: give it a moment.
            long quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < quietUntil) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new Read(r.partition(), r.offset(), EventSerdes.erasureCompleted().deserializer()
                            .deserialize(topic, r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                }
            }
        }
        return out;
    }
}
