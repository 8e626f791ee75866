package org.erasure.verifier.status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.EventFormatException;
import org.erasure.events.serde.EventJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code erasure.completions} and the dead-letter topics from the beginning and then follows
 * them (read_committed, no consumer group, one thread): the final records as auditors see them, from
 * every partition, whichever instance sealed them. Dead letters are only counted, by their headers;
 * their values (possibly an unreadable request with identifiers) are never looked at.
 *
 * <p>Why a tail of the output topic rather than the state stores or a hook in the processor: every
 * verifier instance sees every record without asking its peers, only committed records appear (what
 * auditors read), it survives restarts (history is re-read), and the topology stays untouched.
 */
final class CompletionsTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompletionsTail.class);
    private static final Duration DISCOVER_EVERY = Duration.ofSeconds(10);
    /** Distinct dead-lettered source records remembered per topic; beyond it only records are counted. */
    private static final int MAX_SOURCES = 100_000;

    /** Dead letters of one topic: every record, and the distinct source records (five sinks dead-letter the same request). */
    record DeadLetterCount(String topic, long records, long sourceRecords) {}

    private final Map<String, Object> clientConfig;
    private final Admin admin;
    private final String completionsTopic;
    private final List<String> deadLetterTopics;
    private final FinalRecords finals;
    private final Map<String, long[]> deadLetterRecords = new LinkedHashMap<>();
    private final Map<String, Set<String>> deadLetterSources = new HashMap<>();
    private final Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean closed;
    private volatile boolean caughtUp;
    private long unreadable;

    CompletionsTail(Map<String, Object> clientConfig, Admin admin, String completionsTopic, List<String> deadLetterTopics, int keep) {
        this.clientConfig = clientConfig;
        this.admin = admin;
        this.completionsTopic = completionsTopic;
        this.deadLetterTopics = List.copyOf(deadLetterTopics);
        this.finals = new FinalRecords(keep);
        deadLetterTopics.forEach(t -> deadLetterRecords.put(t, new long[1]));
        this.thread = Thread.ofPlatform().daemon().name("status-page-tail").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** A consistent copy of what was read so far. */
    synchronized Snapshot snapshot() {
        List<DeadLetterCount> dlq = new ArrayList<>();
        deadLetterRecords.forEach((topic, n) -> dlq.add(new DeadLetterCount(topic, n[0],
                deadLetterSources.getOrDefault(topic, Set.of()).size())));
        return new Snapshot(caughtUp, finals.counts(), finals.latestTimedOutFirst(), dlq, unreadable);
    }

    /**
     * @param caughtUp   the history (everything up to the end offsets seen at the first read) was read
     * @param unreadable completion records that could not be read (counted, skipped)
     */
    record Snapshot(boolean caughtUp, FinalRecords.Counts counts, List<FinalRecords.Summary> latest,
                    List<DeadLetterCount> deadLetters, long unreadable) {}

    private void run() {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "verifier-status-page");
        try (KafkaConsumer<byte[], byte[]> kc = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = kc;
            if (closed) {
                return;
            }
            Set<TopicPartition> assigned = new HashSet<>();
            Map<TopicPartition, Long> historyEnd = Map.of();
            long nextDiscovery = 0;
            while (!closed) {
                if (System.nanoTime() >= nextDiscovery) {
                    Set<TopicPartition> found = discover();
                    if (!found.equals(assigned)) {
                        assigned = found;
                        kc.assign(assigned); // positions of partitions kept; new ones start at the earliest offset
                        if (historyEnd.isEmpty() && !assigned.isEmpty()) {
                            historyEnd = kc.endOffsets(assigned, Duration.ofSeconds(10));
                        }
                    }
                    nextDiscovery = System.nanoTime() + DISCOVER_EVERY.toNanos();
                }
                if (assigned.isEmpty()) {
                    caughtUp = true;
                    TimeUnit.MILLISECONDS.sleep(500); // nothing to read until the topics exist
                    continue;
                }
                var records = kc.poll(Duration.ofMillis(500));
                synchronized (this) {
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        take(r);
                    }
                }
                if (!caughtUp) {
                    boolean done = true;
                    for (var e : historyEnd.entrySet()) {
                        done &= !assigned.contains(e.getKey()) || kc.position(e.getKey()) >= e.getValue();
                    }
                    caughtUp = done;
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // close() asked to stop
        } catch (RuntimeException e) {
            log.warn("Status page: reading {} stopped: {}", completionsTopic, e.toString());
        }
    }

    /** Partitions of the completions and dead-letter topics that exist now. */
    private Set<TopicPartition> discover() {
        Set<TopicPartition> out = new HashSet<>();
        try {
            Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            List<String> wanted = new ArrayList<>();
            wanted.add(completionsTopic);
            wanted.addAll(deadLetterTopics);
            wanted.removeIf(t -> !existing.contains(t));
            if (!wanted.isEmpty()) {
                admin.describeTopics(wanted).allTopicNames().get(10, TimeUnit.SECONDS).forEach((topic, d) ->
                        d.partitions().forEach(p -> out.add(new TopicPartition(topic, p.partition()))));
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("Status page: cannot list topics yet: {}", e.toString());
        }
        return out;
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
        if (r.topic().equals(completionsTopic)) {
            if (r.value() == null) {
                return;
            }
            try {
                finals.add(EventJson.read(r.value(), ErasureCompleted.class));
            } catch (EventFormatException e) {
                unreadable++;
            }
            return;
        }
        deadLetterRecords.computeIfAbsent(r.topic(), t -> new long[1])[0]++;
        Set<String> sources = deadLetterSources.computeIfAbsent(r.topic(), t -> new HashSet<>());
        if (sources.size() < MAX_SOURCES) {
            sources.add(header(r, DeadLetterHeaders.SOURCE_TOPIC) + "/" + header(r, DeadLetterHeaders.SOURCE_PARTITION)
                    + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET));
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> kc = consumer;
        if (kc != null) {
            kc.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
