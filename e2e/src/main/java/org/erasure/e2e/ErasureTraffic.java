package org.erasure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;

/**
 * The traffic of one pipeline run: creates its topics, publishes erasure requests as the upstream
 * service does, and reads the committed PhaseCompleted events as the verifier does.
 */
public final class ErasureTraffic implements AutoCloseable {

    private final Topics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> completions;
    private final Map<UUID, List<PhaseCompleted>> byRequest = new HashMap<>();
    private long started;
    private long count;

    public ErasureTraffic(KafkaBroker kafka, Topics topics, int partitions) {
        this.topics = topics;
        kafka.createTopics(partitions, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.phaseCompletionsBulk()));
        kafka.createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        Map<String, Object> p = kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> c = kafka.clientConfig();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.completions = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitionsOf = topics.phaseCompletionLanes().stream()
                .flatMap(topic -> completions.partitionsFor(topic).stream())
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        completions.assign(partitionsOf);
        completions.seekToBeginning(partitionsOf);
    }

    /** An EXECUTE (or DRY_RUN) request for a seeded contributor, matching by email and worker id. */
    public static ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode, List<Phase> systems) {
        return ContributorErasureRequested.builder()
                .contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId()))
                .requestedBy("e2e")
                .reason(ErasureReason.INACTIVITY_PURGE)
                .mode(mode)
                .systems(java.util.Set.copyOf(systems))
                .build();
    }

    /** Publishes and waits until every request is written; fails here if one was not. */
    public void publish(List<ContributorErasureRequested> requests) {
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        for (ContributorErasureRequested r : requests) {
            sent.add(producer.send(new ProducerRecord<>(topics.requests(), r.kafkaKey(), EventJson.write(r))));
        }
        producer.flush();
        try {
            for (var s : sent) {
                s.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a request was not written to " + topics.requests() + ": " + e.getCause(), e.getCause());
        }
    }

    /** Polls committed results (not the STARTED write-ahead reports); returns how many have arrived so far. */
    public synchronized long poll() {
        for (ConsumerRecord<String, byte[]> r : completions.poll(Duration.ofMillis(200))) {
            PhaseCompleted pc = EventJson.read(r.value(), PhaseCompleted.class);
            if (!pc.status().isResult()) {
                started++;
                continue;
            }
            byRequest.computeIfAbsent(pc.requestId(), k -> new ArrayList<>()).add(pc);
            count++;
        }
        return count;
    }

    /** STARTED write-ahead reports seen so far. */
    public synchronized long started() {
        return started;
    }

    /** Polls until {@code done} holds or the timeout passes; true when done. */
    public boolean pollUntil(BooleanSupplier done, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            poll();
        }
        return true;
    }

    public synchronized Map<UUID, List<PhaseCompleted>> completions() {
        return byRequest;
    }

    @Override
    public void close() {
        producer.close();
        completions.close();
    }
}
