package org.erasure.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;

/**
 * When things happened, as seen from outside: each request accepted by ingest, each committed phase
 * report (read_committed, as the verifier reads them) and each final record, stamped with this JVM's
 * {@code System.nanoTime()} on arrival. Recovery times are computed from it afterwards.
 */
final class ProgressTimeline implements AutoCloseable {

    /** A terminal phase report (SUCCEEDED / FAILED), not a progress marker. */
    record Report(long atNanos, Phase phase, UUID requestId) {}

    record Final(long atNanos, UUID requestId, int revision) {}

    private final Map<UUID, Long> accepted = new ConcurrentHashMap<>();
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<Final> finals = new CopyOnWriteArrayList<>();
    private final List<PhaseCompleted> results = new CopyOnWriteArrayList<>();
    private final Map<Phase, Long> started = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Topics topics;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    ProgressTimeline(KafkaBroker kafka, Topics topics) {
        this.topics = topics;
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofPlatform().name("progress-timeline").daemon().start(this::run);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (topics.phaseCompletionLanes().contains(r.topic())) {
                        PhaseCompleted pc = EventJson.read(r.value(), PhaseCompleted.class);
                        if (pc.status() == PhaseStatus.SUCCEEDED || pc.status() == PhaseStatus.FAILED) {
                            reports.add(new Report(now, pc.phase(), pc.requestId()));
                            results.add(pc);
                        } else if (!pc.status().isResult()) {
                            started.merge(pc.phase(), 1L, Long::sum);
                        }
                    } else {
                        ErasureCompleted ec = EventJson.read(r.value(), ErasureCompleted.class);
                        finals.add(new Final(now, ec.requestId(), ec.revision()));
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    void accepted(UUID requestId, long atNanos) {
        accepted.putIfAbsent(requestId, atNanos);
    }

    Map<UUID, Long> accepted() {
        return Map.copyOf(accepted);
    }

    List<Report> reports() {
        checkAlive();
        return List.copyOf(reports);
    }

    List<Final> finals() {
        checkAlive();
        return List.copyOf(finals);
    }

    /** Every committed SUCCEEDED / FAILED report, as the sinks wrote it. */
    List<PhaseCompleted> results() {
        checkAlive();
        return List.copyOf(results);
    }

    /** STARTED (write-ahead) reports per phase. */
    Map<Phase, Long> started() {
        return Map.copyOf(started);
    }

    /** Distinct requests with a final record so far. */
    long finalized() {
        return finals().stream().map(Final::requestId).distinct().count();
    }

    private void checkAlive() {
        if (failure != null) {
            throw new IllegalStateException("the timeline consumer failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
