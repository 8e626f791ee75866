package org.erasure.client.dedupe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.client.coordination.FollowerStop;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link OpenRequests} in step with Kafka: every request on both lanes (published by any ingest
 * replica or directly) opens, every record on {@code erasure.completions} closes (only its key, the
 * requestId, is read). No consumer group: every replica reads every partition, {@code read_committed}.
 *
 * <p>At start it rebuilds the state from {@code lookback} ago: first both lanes up to their ends, then
 * the completions up to theirs (requests first, so a request is never taken for open after its final
 * record was read), and only then reports {@link #ready}. Start-up time and memory grow with the
 * requests of the lookback window (one entry per contributor and mode still open).
 */
public final class OpenRequestFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenRequestFollower.class);
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final Topics topics;
    private final OpenRequests open;
    private final Duration lookback;
    private final Duration timeout;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final Thread thread;
    private final Object monitor = new Object();
    /** Next offset to read per partition, after each applied batch. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private List<TopicPartition> lanePartitions = List.of();
    private boolean ready;
    private String failure;
    private volatile boolean running = true;

    public OpenRequestFollower(Map<String, Object> kafka, Topics topics, OpenRequests open, Duration lookback, Duration timeout, Clock clock) {
        this.topics = topics;
        this.open = open;
        this.lookback = lookback;
        this.timeout = timeout;
        this.clock = clock;
        Map<String, Object> c = new HashMap<>(kafka);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Fallen behind the retention (a long pause): go on from the oldest record kept, never skip to the end.
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.admin = Admin.create(new HashMap<>(kafka));
        this.thread = Thread.ofPlatform().name("open-request-follower").daemon().unstarted(this::run);
    }

    public OpenRequestFollower start() {
        thread.start();
        return this;
    }

    /** True once the lookback window of both lanes and of the completions has been read, and still following. */
    public boolean ready() {
        synchronized (monitor) {
            return ready && failure == null;
        }
    }

    /**
     * Waits until every request committed on either lane before this call has been read, so that a
     * request another replica just published is known here.
     *
     * @return false when that did not happen by {@code deadline} (Kafka slow or unreachable, still starting)
     */
    public boolean awaitCurrent(Instant deadline) {
        if (!awaitReady(deadline)) {
            return false;
        }
        Map<TopicPartition, Long> ends;
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            lanes().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            long left = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info = admin.listOffsets(latest,
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(left, TimeUnit.MILLISECONDS);
            ends = new HashMap<>();
            info.forEach((tp, i) -> ends.put(tp, i.offset()));
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return awaitRead(ends, deadline);
    }

    /** Waits until this follower's position on each partition is at least the given offset; false at the deadline. */
    public boolean awaitRead(Map<TopicPartition, Long> ends, Instant deadline) {
        synchronized (monitor) {
            while (ends.entrySet().stream().anyMatch(e -> positions.getOrDefault(e.getKey(), -1L) < e.getValue())) {
                if (failure != null || !waitOn(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    private boolean awaitReady(Instant deadline) {
        synchronized (monitor) {
            while (!ready) {
                if (failure != null || !waitOn(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    private List<TopicPartition> lanes() {
        synchronized (monitor) {
            return lanePartitions;
        }
    }

    /** @return false at the deadline */
    private boolean waitOn(Instant deadline) {
        long left = Duration.between(clock.instant(), deadline).toMillis();
        if (left <= 0) {
            return false;
        }
        try {
            monitor.wait(left);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run() {
        try {
            while (running) {
                try {
                    rebuildAndFollow();
                    return;
                } catch (org.apache.kafka.common.errors.RetriableException e) {
                    // Kafka unreachable during the rebuild (timeouts): start over, the state tolerates records read twice.
                    log.warn("open-request rebuild interrupted by {}; starting over", e.getClass().getSimpleName());
                    pause();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (KafkaException e) {
            synchronized (monitor) {
                failure = e.getClass().getSimpleName();
                monitor.notifyAll();
            }
            log.error("open-request follower stopped: {}; submissions that need the open-request check get 503", e.getClass().getSimpleName());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void rebuildAndFollow() {
        List<TopicPartition> lanes = new ArrayList<>();
        for (String topic : topics.requestLanes()) {
            lanes.addAll(partitionsOf(topic));
        }
        List<TopicPartition> completions = partitionsOf(topics.completions());
        if (!running) {
            return;
        }
        synchronized (monitor) {
            lanePartitions = List.copyOf(lanes);
        }
        long started = System.nanoTime();
        Instant from = clock.instant().minus(lookback);
        consumer.assign(lanes);
        seekTo(lanes, from);
        readUntil(consumer.endOffsets(lanes, timeout));
        long lanesMs = (System.nanoTime() - started) / 1_000_000;
        // Completions only now: a final record read before its request would leave the request open.
        Map<TopicPartition, Long> at = new HashMap<>();
        lanes.forEach(tp -> at.put(tp, consumer.position(tp)));
        List<TopicPartition> all = new ArrayList<>(lanes);
        all.addAll(completions);
        consumer.assign(all);
        at.forEach(consumer::seek);
        seekTo(completions, from);
        readUntil(consumer.endOffsets(completions, timeout));
        synchronized (monitor) {
            ready = true;
            monitor.notifyAll();
        }
        log.info("open requests rebuilt from {} ago: {} open after {} ms (lanes {} ms)", lookback, open.size(),
                (System.nanoTime() - started) / 1_000_000, lanesMs);
        Instant nextSweep = clock.instant().plus(SWEEP_EVERY);
        while (running) {
            poll();
            if (clock.instant().isAfter(nextSweep)) {
                open.sweep();
                nextSweep = clock.instant().plus(SWEEP_EVERY);
            }
        }
    }

    /** A second between attempts while Kafka or a topic is missing (close() wakes it). */
    private void pause() {
        synchronized (monitor) {
            if (running) {
                try {
                    monitor.wait(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }

    private List<TopicPartition> partitionsOf(String topic) {
        boolean logged = false;
        while (running) {
            try {
                List<TopicPartition> parts = consumer.partitionsFor(topic, timeout).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (!parts.isEmpty()) {
                    return parts;
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // Kafka unreachable or the topic not created yet
            }
            if (!logged) {
                log.info("waiting for topic {}", topic);
                logged = true;
            }
            pause();
        }
        return List.of();
    }

    private void seekTo(List<TopicPartition> parts, Instant from) {
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(tp -> query.put(tp, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        List<TopicPartition> none = new ArrayList<>();
        found.forEach((tp, o) -> {
            if (o == null) {
                none.add(tp); // nothing since then
            } else {
                consumer.seek(tp, o.offset());
            }
        });
        if (!none.isEmpty()) {
            consumer.seekToEnd(none); // an empty list would mean every assigned partition
        }
    }

    private void readUntil(Map<TopicPartition, Long> ends) {
        while (running && ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            poll();
        }
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            if (r.topic().equals(topics.completions())) {
                closeBy(r);
            } else {
                openBy(r);
            }
        }
        synchronized (monitor) {
            for (TopicPartition tp : consumer.assignment()) {
                positions.put(tp, consumer.position(tp));
            }
            monitor.notifyAll();
        }
    }

    private void openBy(ConsumerRecord<String, byte[]> r) {
        ContributorErasureRequested e;
        try {
            e = EventSerdes.requested().deserializer().deserialize(r.topic(), r.value());
        } catch (RuntimeException bad) {
            log.debug("ignoring an unreadable request on {} at offset {}", r.topic(), r.offset());
            return;
        }
        if (e != null) {
            open.opened(e.contributorId(), e.mode(), e.requestId(), e.requestedAt(), e.deadline());
        }
    }

    private void closeBy(ConsumerRecord<String, byte[]> r) {
        try {
            open.close(UUID.fromString(r.key()));
        } catch (IllegalArgumentException | NullPointerException e) {
            log.debug("ignoring a completion record whose key is not a requestId at offset {}", r.offset());
        }
    }

    @Override
    public void close() {
        running = false;
        FollowerStop.stop(monitor, consumer, thread);
        admin.close(Duration.ofSeconds(2));
    }
}
