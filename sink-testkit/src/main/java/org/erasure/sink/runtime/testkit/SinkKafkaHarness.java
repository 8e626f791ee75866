package org.erasure.sink.runtime.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;

/**
 * For sink tests: the topics of one test (unique prefix), a producer for requests, read_committed
 * readers of the outputs, and the HOCON a sink needs to run on them.
 */
public final class SinkKafkaHarness implements AutoCloseable {
    public final KafkaBroker kafka;
    public final Topics topics;
    public final String prefix;
    private final KafkaProducer<String, byte[]> producer;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    private final KafkaConsumer<String, byte[]> completions;
    private final Map<UUID, List<PhaseCompleted>> seen = new HashMap<>();
    private final Map<UUID, List<PhaseCompleted>> started = new HashMap<>();

    public SinkKafkaHarness(KafkaBroker kafka, TestNames names) {
        this.kafka = kafka;
        this.prefix = names.stem() + ".";
        this.topics = Topics.withPrefix(prefix);
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.phaseCompletionsBulk()));
        kafka.createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        Map<String, Object> p = kafka.clientConfig();
        p.put("acks", "all");
        // Tests share a 2-core machine with heavy suites: give the embedded broker time rather than
        // letting batches expire (an expired idempotent batch can leave the sequence out of order).
        p.put("max.in.flight.requests.per.connection", 1);
        p.put("request.timeout.ms", 120_000);
        p.put("delivery.timeout.ms", 600_000);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.completions = reader(topics.phaseCompletionLanes());
    }

    public KafkaConsumer<String, byte[]> reader(String topic) {
        return reader(List.of(topic));
    }

    /** A read_committed reader of every partition of {@code topics}, from the beginning. */
    public KafkaConsumer<String, byte[]> reader(List<String> topics) {
        Map<String, Object> c = kafka.clientConfig();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo pi : consumer.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return consumer;
    }

    public void send(ContributorErasureRequested request) {
        sendRaw(request.kafkaKey(), EventJson.write(request));
    }

    public void sendRaw(String key, byte[] value) {
        pending.add(producer.send(new ProducerRecord<>(topics.requests(), key, value)));
    }

    /** Waits for every send so far and fails here, loudly, if one was not written. */
    public void flush() {
        producer.flush();
        try {
            for (Future<RecordMetadata> sent : pending) {
                sent.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for request sends", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a request was not written to " + topics.requests() + ": " + e.getCause(), e.getCause());
        } finally {
            pending.clear();
        }
    }

    /** Every committed PhaseCompleted so far, by requestId (polls for new ones). */
    /** The committed results (every status but the STARTED write-ahead) per request, in topic order. */
    public synchronized Map<UUID, List<PhaseCompleted>> completions() {
        poll();
        return seen;
    }

    /** The STARTED write-ahead reports per request, in topic order. */
    public synchronized Map<UUID, List<PhaseCompleted>> started() {
        poll();
        return started;
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> r : completions.poll(Duration.ofMillis(200))) {
            PhaseCompleted pc = EventJson.read(r.value(), PhaseCompleted.class);
            (pc.status().isResult() ? seen : started).computeIfAbsent(pc.requestId(), k -> new ArrayList<>()).add(pc);
        }
    }

    public synchronized long completionCount() {
        return completions().values().stream().mapToLong(List::size).sum();
    }

    /** All records of a topic visible to read_committed readers, polled until {@code expected} arrived or 30 s. */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = reader(topic)) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < end) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** HOCON for a sink on this test's topics; append store config and overrides. */
    public String sinkConfig(String sinkName, String instanceId) {
        return """
                sink {
                  name = "%s"
                  instance-id = "%s"
                  kafka.bootstrap-servers = "%s"
                  kafka.topic-prefix = "%s"
                  kafka.session-timeout = 10s
                  http.port = 0
                  http.host = "127.0.0.1"
                  batch.linger = 30ms
                  retry { max-attempts = 3, initial-backoff = 100ms, max-backoff = 500ms }
                  outage { probe-initial = 200ms, probe-max = 2s }
                }
                """.formatted(sinkName, instanceId, kafka.bootstrapServers(), prefix);
    }

    @Override
    public void close() {
        producer.close();
        completions.close();
    }
}
