package org.erasure.client.coordination;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims topic, shared by every ingest replica: how replicas agree on Idempotency-Keys and take
 * turns per contributor without talking to each other.
 *
 * <p>A call appends a claim to partition 0 (one partition: one order for all claims), then reads the
 * partition up to its own claim; every replica applies the same records in the same order
 * ({@link ClaimState}), so the first claim wins everywhere, and a later one learns that it lost by
 * reading, not by asking. One follower thread reads the partition from the beginning at start (the
 * topic keeps {@code ingest.idempotency.ttl} of records) and then follows it.
 */
public final class ClaimLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClaimLog.class);

    /**
     * @param topic              the claims topic (prefixed)
     * @param replicationFactor  when ingest creates the topic
     * @param ttl                how long an Idempotency-Key is remembered; the topic's retention
     * @param lease              how long a claim holds without a Done (a crashed call is given up after it)
     * @param maxKeys            most Idempotency-Keys kept (the oldest are dropped first)
     * @param replica            this instance's name on its claims (its transactional.id)
     * @param timeout            how long a write to Kafka may take
     */
    public record Settings(String topic, short replicationFactor, Duration ttl, Duration lease, int maxKeys,
                           String replica, Duration timeout) {}

    /** How a claim on an Idempotency-Key ended. */
    public sealed interface KeyOutcome {
        /** This call holds the key: process the request, then {@link #finishKey}. */
        record Won(UUID callId) implements KeyOutcome {}
        /** An earlier call with the same key and request answered this. */
        record Answered(ClaimRecord.StoredResponse response) implements KeyOutcome {}
        /** The key belongs to a different request. */
        record OtherRequest() implements KeyOutcome {}
        /** The earlier call with this key is still working. */
        record StillRunning() implements KeyOutcome {}
    }

    /** The claims cannot be used now (Kafka unreachable, still reading at start, or waited too long): nothing was done. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final TopicPartition partition;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Admin admin;
    private final Thread follower;
    private final Object monitor = new Object();
    private final ClaimState state;
    /** Offset of the next record to apply; -1 until the follower started reading. */
    private long position = -1;
    private boolean ready;
    private String failure;
    private volatile boolean running = true;

    public ClaimLog(Map<String, Object> kafka, Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.partition = new TopicPartition(settings.topic(), 0);
        this.state = new ClaimState(settings.ttl(), settings.lease(), settings.maxKeys());
        Map<String, Object> p = new HashMap<>(kafka);
        int total = (int) Math.max(settings.timeout().toMillis(), 2_000);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, ClaimsTopic.MAX_MESSAGE_BYTES);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, total);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, total / 2);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, total);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.replica() + "-claims");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        Map<String, Object> c = new HashMap<>(kafka);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Fallen behind the retention (a long pause): go on from the oldest record kept, never skip to the end.
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ClaimsTopic.MAX_MESSAGE_BYTES);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.replica() + "-claims-follower");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        this.admin = Admin.create(new HashMap<>(kafka));
        this.follower = Thread.ofPlatform().name("claims-follower").daemon().unstarted(this::follow);
    }

    public ClaimLog start() {
        follower.start();
        return this;
    }

    // ---- Idempotency-Keys ----

    /**
     * Claims {@code idempotencyKey} for a request with {@code fingerprint}, or learns who has it. Waits
     * up to {@code wait} for an earlier call with the same key to answer.
     *
     * @throws Unavailable Kafka did not take the claim, or ingest is still reading the topic
     */
    public KeyOutcome claimKey(String idempotencyKey, String fingerprint, Duration wait) {
        awaitReady(clock.instant().plus(settings.timeout()));
        synchronized (monitor) {
            // Answered already and read here: no claim needed.
            ClaimState.KeyEntry known = state.liveKey(idempotencyKey, clock.instant());
            if (known != null && !known.fingerprint().equals(fingerprint)) {
                return new KeyOutcome.OtherRequest();
            }
            if (known != null && known.response() != null) {
                return new KeyOutcome.Answered(known.response());
            }
        }
        Instant answerBy = clock.instant().plus(wait);
        for (int attempt = 1; ; attempt++) {
            UUID callId = UUID.randomUUID();
            long offset = append(new ClaimRecord.Claim(callId, idempotencyKey, fingerprint, Set.of(), settings.replica()));
            awaitApplied(offset, clock.instant().plus(settings.timeout()));
            KeyOutcome outcome = await(answerBy, s -> {
                ClaimState.KeyEntry e = s.key(idempotencyKey);
                if (e == null) {
                    return RETRY; // the winner gave up (5xx) after this claim was read: claim again
                }
                if (e.winner().equals(callId)) {
                    return new KeyOutcome.Won(callId);
                }
                if (!e.fingerprint().equals(fingerprint)) {
                    return new KeyOutcome.OtherRequest();
                }
                return e.response() == null ? null : new KeyOutcome.Answered(e.response());
            });
            if (outcome == null || (outcome == RETRY && attempt == 3)) {
                return new KeyOutcome.StillRunning();
            }
            if (outcome != RETRY) {
                return outcome;
            }
        }
    }

    /** "Claim again", compared by identity: never returned to callers. */
    private static final KeyOutcome RETRY = new KeyOutcome.StillRunning();

    /**
     * The call that won {@code idempotencyKey} is over: store its answer for replays, or forget the
     * key ({@code response} null: a retry is safe). A failed write is logged: the key then stays "in
     * flight" for the lease, after which a retry may take it over.
     */
    public void finishKey(UUID callId, String idempotencyKey, ClaimRecord.StoredResponse response) {
        try {
            append(new ClaimRecord.Done(callId, idempotencyKey, response));
        } catch (Unavailable e) {
            log.warn("could not record the answer of call {} on the claims topic: {}", callId, e.getMessage());
        }
    }

    // ---- turns per subject ----

    /** A call's exclusive turn on its subjects, until {@link #close}. */
    public final class Turn implements AutoCloseable {
        private final UUID callId;
        private final Instant expiresAt;
        private boolean closed;

        private Turn(UUID callId, Instant expiresAt) {
            this.callId = callId;
            this.expiresAt = expiresAt;
        }

        /** True when {@code work} can still finish before the lease ends (after it, others may go ahead). */
        public boolean lastsFor(Duration work) {
            return clock.instant().plus(work).isBefore(expiresAt);
        }

        /** Lets waiting calls go ahead (a failed write: they wait for the lease instead). */
        @Override
        public void close() {
            if (closed || callId == null) {
                return;
            }
            closed = true;
            try {
                append(new ClaimRecord.Done(callId, null, null));
            } catch (Unavailable e) {
                log.warn("could not end call {} on the claims topic ({}); others wait for its lease", callId, e.getMessage());
            }
        }
    }

    /**
     * Waits until no call claimed earlier holds any of {@code subjects} (done, or past its lease), then
     * returns this call's turn.
     *
     * @throws Unavailable Kafka did not take the claim, or the earlier calls did not finish by {@code deadline}
     */
    public Turn takeTurn(Set<String> subjects, Instant deadline) {
        if (subjects.isEmpty()) {
            return new Turn(null, Instant.MAX);
        }
        awaitReady(deadline);
        UUID callId = UUID.randomUUID();
        long offset = append(new ClaimRecord.Claim(callId, null, null, subjects, settings.replica()));
        Turn turn = null;
        try {
            awaitApplied(offset, deadline);
            Instant claimedAt = await(deadline, s -> {
                ClaimState.Call mine = s.call(callId);
                if (mine == null) {
                    return Instant.MIN; // swept: older than the lease already
                }
                return s.heldBefore(mine, clock.instant()).isEmpty() ? mine.claimedAt() : null;
            });
            if (claimedAt == null) {
                throw new Unavailable("another call for the same contributor is still running; nothing was published");
            }
            turn = new Turn(callId, claimedAt.equals(Instant.MIN) ? Instant.MIN : claimedAt.plus(settings.lease()));
            return turn;
        } finally {
            if (turn == null) {
                new Turn(callId, Instant.MIN).close();
            }
        }
    }

    // ---- plumbing ----

    private long append(ClaimRecord record) {
        try {
            return producer.send(new ProducerRecord<>(settings.topic(), 0, record.callId().toString(), ClaimCodec.toJson(record)))
                    .get(settings.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new Unavailable("the claims topic did not take the claim (" + cause.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        }
    }

    /** True once the records present at start have been read. */
    public boolean ready() {
        synchronized (monitor) {
            return ready;
        }
    }

    /** Why the claims cannot be used, or null. */
    public String failure() {
        synchronized (monitor) {
            return failure;
        }
    }

    private void awaitReady(Instant deadline) {
        synchronized (monitor) {
            while (!ready) {
                checkFailure();
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    throw new Unavailable("ingest is still reading its claims topic " + settings.topic());
                }
                waitOn(left);
            }
        }
    }

    private void awaitApplied(long offset, Instant deadline) {
        synchronized (monitor) {
            while (position <= offset) {
                checkFailure();
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    throw new Unavailable("the claim was written but not read back in time");
                }
                waitOn(left);
            }
        }
    }

    /** The first non-null answer of {@code probe} (asked after every applied batch and every second), or null at the deadline. */
    private <T> T await(Instant deadline, Function<ClaimState, T> probe) {
        synchronized (monitor) {
            while (true) {
                T answer = probe.apply(state);
                if (answer != null) {
                    return answer;
                }
                checkFailure();
                long left = Duration.between(clock.instant(), deadline).toMillis();
                if (left <= 0) {
                    return null;
                }
                // Leases end without a record: look again at least every second.
                waitOn(Math.min(left, 1_000));
            }
        }
    }

    private void waitOn(long millis) {
        try {
            monitor.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        }
    }

    private void checkFailure() {
        if (failure != null) {
            throw new Unavailable(failure);
        }
    }

    private void follow() {
        try {
            while (running && !ensureTopic()) {
                // ensureTopic waited (Kafka timeouts) and logged; try again
            }
            List<TopicPartition> parts = List.of(partition);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long end = -1;
            while (running && end < 0) {
                try {
                    end = consumer.endOffsets(parts, settings.timeout()).get(partition);
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    log.warn("claims topic {}: no end offset yet (Kafka unreachable?)", settings.topic());
                }
            }
            long started = System.nanoTime();
            long records = 0;
            if (end == 0) {
                synchronized (monitor) {
                    position = 0;
                    ready = true; // an empty topic: nothing to read first
                    monitor.notifyAll();
                }
                log.info("claims topic {} is empty", settings.topic());
            }
            while (running) {
                ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(500));
                long next = consumer.position(partition);
                synchronized (monitor) {
                    for (ConsumerRecord<String, String> r : batch) {
                        try {
                            state.apply(r.offset(), Instant.ofEpochMilli(r.timestamp()), ClaimCodec.fromJson(r.value()));
                        } catch (IllegalArgumentException | NullPointerException e) {
                            log.warn("claims topic {}: ignoring a record that is not a claim at offset {}", settings.topic(), r.offset());
                        }
                        records++;
                    }
                    position = next;
                    if (!ready && position >= end) {
                        ready = true;
                        log.info("claims topic {} read: {} records in {} ms ({} Idempotency-Keys, {} calls holding contributors)",
                                settings.topic(), records, (System.nanoTime() - started) / 1_000_000, state.keyCount(), state.callCount());
                    }
                    monitor.notifyAll();
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (ClaimsTopic.Misconfigured e) {
            fail(e.getMessage());
            log.error("{}; ingest answers 503 to submissions until this is fixed and it is restarted", e.getMessage());
        } catch (RuntimeException e) {
            fail("the claims follower stopped (" + e.getClass().getSimpleName() + ")");
            // The exception's class only: a client error message can quote record content (here digests and
            // contributor ids, but the rule for logs is requestId and contributorId from our own fields).
            log.error("claims follower stopped: {}", e.getClass().getSimpleName());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** @return true when the topic exists with usable settings; false when Kafka did not answer in time */
    private boolean ensureTopic() throws InterruptedException {
        try {
            ClaimsTopic.ensure(admin, settings.topic(), settings.replicationFactor(), settings.ttl(), settings.timeout());
            return true;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (e instanceof TimeoutException) {
                log.warn("claims topic {} not checked yet: Kafka did not answer within {}", settings.topic(), settings.timeout());
                return false; // the timeout itself paced this attempt
            }
            // A topic just created is briefly unknown to the broker's metadata: ask again soon. Other refusals
            // (e.g. not authorised) are not retried in a tight loop.
            boolean soon = cause instanceof org.apache.kafka.common.errors.RetriableException;
            if (!soon) {
                log.warn("claims topic {} not checked yet: {}", settings.topic(), cause.getClass().getSimpleName());
            }
            synchronized (monitor) {
                monitor.wait(soon ? 200 : settings.timeout().toMillis());
            }
            return false;
        }
    }

    private void fail(String reason) {
        synchronized (monitor) {
            failure = reason;
            monitor.notifyAll();
        }
    }

    @Override
    public void close() {
        running = false;
        FollowerStop.stop(monitor, consumer, follower);
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(2));
    }
}
