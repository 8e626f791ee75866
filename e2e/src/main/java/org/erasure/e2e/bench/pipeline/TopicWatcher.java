package org.erasure.e2e.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.Phase;
import org.erasure.events.Topics;

/**
 * Follows {@code erasure.phase-completions} and {@code erasure.completions} from the outside, as an
 * auditor does (read_committed, no consumer group), and notes when each request's first
 * PhaseCompleted result per phase (not the STARTED write-ahead reports) and its first final record
 * arrived here ({@link System#nanoTime}).
 * Reads only the public event fields it needs, so the pipeline's internals can change freely.
 */
final class TopicWatcher implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request's first final record: when it arrived, its outcome, and per phase {deleted, masked, residual}. */
    record Final(long arrivedNanos, String outcome, Map<String, long[]> phaseTotals) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final String completionsTopic;
    private final Map<UUID, Final> finals = new ConcurrentHashMap<>();
    private final Map<Phase, Map<UUID, Long>> phaseArrivals = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    TopicWatcher(KafkaBroker kafka, Topics topics) {
        this.completionsTopic = topics.completions();
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        for (Phase phase : Phase.values()) {
            phaseArrivals.put(phase, new ConcurrentHashMap<>());
        }
        this.thread = Thread.ofPlatform().name("topic-watcher").daemon().start(this::loop);
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (r.value() == null) {
                        continue;
                    }
                    JsonNode event = JSON.readTree(r.value());
                    UUID requestId = UUID.fromString(event.path("requestId").asText());
                    if (r.topic().equals(completionsTopic)) {
                        finals.putIfAbsent(requestId, new Final(now, event.path("outcome").asText(), phaseTotals(event.path("phases"))));
                    } else if (!"STARTED".equals(event.path("status").asText())) { // a write-ahead report, not a result
                        Phase phase = Phase.valueOf(event.path("phase").asText());
                        phaseArrivals.get(phase).putIfAbsent(requestId, now);
                    }
                }
            }
        } catch (WakeupException closing) {
            // close() woke the poll
        } catch (IOException | RuntimeException e) {
            failure = e instanceof RuntimeException r ? r : new IllegalStateException("unreadable event: " + e.getMessage(), e);
        } finally {
            consumer.close();
        }
    }

    private static Map<String, long[]> phaseTotals(JsonNode phases) {
        Map<String, long[]> totals = new java.util.HashMap<>();
        phases.properties().forEach(p -> {
            long[] t = new long[3];
            for (JsonNode target : p.getValue().path("targets")) {
                t[0] += target.path("deleted").asLong();
                t[1] += target.path("masked").asLong();
                t[2] += target.path("residual").asLong();
            }
            totals.put(p.getKey(), t);
        });
        return totals;
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("reading the topics failed: " + failure.getMessage(), failure);
        }
    }

    Final finalOf(UUID requestId) {
        check();
        return finals.get(requestId);
    }

    int finalsAmong(Collection<UUID> ids) {
        check();
        return (int) ids.stream().filter(finals::containsKey).count();
    }

    int reportedAmong(Phase phase, Collection<UUID> ids) {
        Map<UUID, Long> arrivals = phaseArrivals.get(phase);
        return (int) ids.stream().filter(arrivals::containsKey).count();
    }

    /** When {@code phase}'s PhaseCompleted result for the request arrived (System.nanoTime), or null. */
    Long reportArrival(Phase phase, UUID requestId) {
        return phaseArrivals.get(phase).get(requestId);
    }

    /** Arrival of the last final record among {@code ids}, if every one has arrived. */
    OptionalLong lastFinal(Collection<UUID> ids) {
        long last = Long.MIN_VALUE;
        for (UUID id : ids) {
            Final f = finals.get(id);
            if (f == null) {
                return OptionalLong.empty();
            }
            last = Math.max(last, f.arrivedNanos());
        }
        return OptionalLong.of(last);
    }

    /** Arrival of the last PhaseCompleted of {@code phase} among {@code ids}, if every one has arrived. */
    OptionalLong lastReport(Phase phase, Collection<UUID> ids) {
        Map<UUID, Long> arrivals = phaseArrivals.get(phase);
        long last = Long.MIN_VALUE;
        for (UUID id : ids) {
            Long at = arrivals.get(id);
            if (at == null) {
                return OptionalLong.empty();
            }
            last = Math.max(last, at);
        }
        return OptionalLong.of(last);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
