package org.erasure.sink.runtime;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.events.RequestLane;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.EventFormatException;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.serde.EventJson;
import org.erasure.sink.runtime.restore.RestorationVault;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The consumer loop of one lane. One consumer thread owns the Kafka clients; the store work runs
 * on a second thread so that the consumer keeps polling (with its partitions paused) however long
 * the store takes: the group membership and the poll interval never depend on the store.
 *
 * <p>Per poll (plus, with a backlog, polls until the next chunk is full; plus linger), in chunks
 * sized by {@link BatchSizer}: read → dead-letter the
 * unreadable → erase/verify via {@link BatchProcessor} (off-thread; the store announces its planned
 * changes as STARTED reports first) → in one Kafka transaction send the PhaseCompleted events, the
 * dead letters and the chunk's offsets ({@code sendOffsetsToTransaction}) → commit.
 *
 * <p>Crash anywhere before the commit: the transaction is aborted (by the broker on timeout, or at
 * once when the replacement instance with the same {@code transactional.id} calls
 * {@code initTransactions}), the offsets were not committed, and the records are processed again;
 * the store's erase is idempotent, so the re-run changes nothing more and still verifies, and the
 * STARTED reports of the first run keep its counts for the verifier. Readers use
 * {@code isolation.level=read_committed} and never see the aborted events.
 *
 * <p>Rebalance while a chunk runs: {@code onPartitionsRevoked} waits for the chunk and commits it
 * before giving the partitions up, so a long store operation never makes the next owner redo it.
 *
 * <p>Store down beyond the retries: seek back to the first uncommitted offsets, pause all assigned
 * partitions, keep polling (the consumer stays in the group), probe
 * {@link ErasureStore#checkReachable()} with exponential backoff, resume when it answers.
 */
public final class SinkRunner implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkRunner.class);
    private static final Duration KEEP_ALIVE_POLL = Duration.ofMillis(100);

    private final SinkSettings settings;
    private final RequestLane lane;
    private final ErasureStore store;
    private final SinkMetrics metrics;
    private final LanePriority priority;
    private final BatchSizer sizer;
    private final IntervalFunction probeBackoff;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final ExecutorService storeThread;
    private final int maxRequestBytes;

    private volatile boolean stopping;
    private volatile boolean running;
    private volatile boolean paused;
    private volatile Throwable failure;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private KafkaProducer<String, byte[]> writeAheadProducer;
    private BatchProcessor processor;

    /** Polled, not yet handed to the store, in poll order. */
    private final Deque<ConsumerRecord<String, byte[]>> queue = new ArrayDeque<>();
    /** The chunk whose store work runs or ran and is not committed yet; touched by the consumer thread only. */
    private Chunk inFlight;
    /** Partitions paused while the store works or the bulk lane yields (not for an outage); resumed afterwards. */
    private final Set<TopicPartition> held = new HashSet<>();
    private boolean holding;
    private int probeAttempt;
    private long nextProbeNanos;

    private final RequestOpener opener;
    private final RestorationVault vault;

    public SinkRunner(SinkSettings settings, ErasureStore store, SinkMetrics metrics) {
        this(settings, RequestLane.INTERACTIVE, store, metrics, new LanePriority());
    }

    public SinkRunner(SinkSettings settings, RequestLane lane, ErasureStore store, SinkMetrics metrics, LanePriority priority) {
        this(settings, lane, store, metrics, priority, RequestOpener.none());
    }

    /** @param opener opens sealed requests (shared by the lanes; closed by its owner, not by this runner) */
    public SinkRunner(SinkSettings settings, RequestLane lane, ErasureStore store, SinkMetrics metrics, LanePriority priority,
                      RequestOpener opener) {
        this(settings, lane, store, metrics, priority, opener, null);
    }

    /** @param vault the undo window's images (shared by the lanes, closed by its owner), or null when it is off */
    public SinkRunner(SinkSettings settings, RequestLane lane, ErasureStore store, SinkMetrics metrics, LanePriority priority,
                      RequestOpener opener, RestorationVault vault) {
        this.opener = opener;
        this.vault = vault;
        this.settings = settings;
        this.lane = lane;
        this.store = store;
        this.metrics = metrics;
        this.priority = priority;
        // Bulk work (a purge, an upload, a replay) comes in thousands: start at the largest chunk rather than
        // pay a store's fixed cost per chunk (a ClickHouse mutation, a Redis SCAN pass) on small probes.
        this.sizer = new BatchSizer(lane == RequestLane.BULK ? settings.maxBatch() : settings.initialBatch(), 1, settings.maxBatch(), settings.batchTarget());
        metrics.sizing(sizer);
        this.probeBackoff = IntervalFunction.ofExponentialBackoff(settings.probeInitial(), settings.probeMultiplier(), settings.probeMax());
        this.storeThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(settings.name() + SinkSettings.suffix(lane) + "-store").factory());
        this.maxRequestBytes = Integer.parseInt(producerProperties().getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(1024 * 1024)));
    }

    public RequestLane lane() {
        return lane;
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(settings.consumerClientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId(lane));
        if (settings.staticMembership()) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceName(lane));
        }
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, settings.instanceName(lane) + "-consumer");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxBatch()));
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(settings.sessionTimeout().toMillis()));
        return p;
    }

    Properties producerProperties() {
        Properties p = new Properties();
        p.putAll(settings.producerClientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.instanceName(lane));
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceName(lane) + "-producer");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(settings.transactionTimeout().toMillis()));
        return p;
    }

    /** The write-ahead producer: idempotent, acks=all, not transactional (a crash must not take its records back). */
    Properties writeAheadProducerProperties() {
        Properties p = producerProperties();
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.remove(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceName(lane) + "-write-ahead");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return p;
    }

    @Override
    public void run() {
        running = true;
        try {
            producer = new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
            producer.initTransactions();
            writeAheadProducer = new KafkaProducer<>(writeAheadProducerProperties(), new StringSerializer(), new ByteArraySerializer());
            processor = new BatchProcessor(store, settings.sinkInfo(), settings.maxBatch(), BatchProcessor.retryConfig(settings), metrics,
                    Clock.systemUTC(), started -> {
                new KafkaWriteAheadPublisher(writeAheadProducer, lane.phaseCompletionsTopic(settings.topics()), settings.writeAheadTimeout())
                        .publish(started);
                metrics.writeAhead(started.size());
            }, opener, vault);
            consumer = new KafkaConsumer<>(consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(lane.topic(settings.topics())), new Rebalance());
            log.info("sink {} lane {} consuming {} as group {} (transactional.id {}, chunks {}..{} aiming at {} ms, linger {} ms)",
                    settings.name(), lane.tag(), lane.topic(settings.topics()), settings.groupId(lane), settings.instanceName(lane),
                    settings.initialBatch(), settings.maxBatch(), settings.batchTarget().toMillis(), settings.linger().toMillis());
            while (!stopping) {
                if (paused) {
                    pollWhilePaused();
                } else if (queue.isEmpty()) {
                    pollIntoQueue();
                } else if (lane == RequestLane.BULK && priority.interactiveBusy()) {
                    yieldToInteractive();
                } else {
                    processNextChunk();
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                failure = e;
                log.error("consumer woken up unexpectedly", e);
            }
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            failure = e;
            log.error("another instance with transactional.id {} took over; stopping", settings.instanceName(lane));
        } catch (Throwable e) {
            failure = e;
            log.error("sink loop failed: {}", BatchProcessor.safe(e));
        } finally {
            if (lane == RequestLane.INTERACTIVE) {
                priority.interactiveBusy(false);
            }
            storeThread.shutdownNow();
            closeClients();
            running = false;
            finished.countDown();
            log.info("sink {} lane {} stopped", settings.name(), lane.tag());
        }
    }

    // ---------------------------------------------------------------- polling

    private void pollIntoQueue() {
        ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
        records.forEach(queue::add);
        if (!records.isEmpty()) {
            fillFromBacklog(sizer.next());
            lingerForCompany();
        }
        updateLag();
    }

    /**
     * Reads a backlog until the next chunk is full. One fetch holds max.partition.fetch.bytes per
     * partition (about 330 requests at M) and the next fetch may not be back by the next poll, so
     * without this a 10,000 purge went to the store in 30 chunks of one fetch each, not in the
     * sizer's 2,000, and S3 paid 30 bucket passes. Only with lag: a lone request never waits here.
     */
    private void fillFromBacklog(int wanted) {
        long end = System.nanoTime() + settings.fillTimeout().toNanos();
        while (queue.size() < wanted && hasBacklog() && System.nanoTime() < end && !stopping) {
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
            consumer.poll(Duration.ofMillis(Math.min(remainingMs, 10))).forEach(queue::add);
        }
    }

    /**
     * Records still to read on an assigned, unpaused partition (fetched and buffered, or on the broker).
     * A lag of 1 is not a backlog: behind a transactional producer's lone request (ingest's) it is the
     * commit marker, which no poll returns; waiting on it cost every idle request a poll timeout.
     */
    private boolean hasBacklog() {
        Set<TopicPartition> paused = consumer.paused();
        for (TopicPartition tp : consumer.assignment()) {
            if (!paused.contains(tp) && consumer.currentLag(tp).orElse(0) > 1) {
                return true;
            }
        }
        return false;
    }

    /** Keeps polling while records keep coming (a producer still sending), up to linger; stops at the first empty poll. */
    private void lingerForCompany() {
        long lingerEnd = System.nanoTime() + settings.linger().toNanos();
        while (queue.size() < settings.maxBatch() && System.nanoTime() < lingerEnd && !stopping) {
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lingerEnd - System.nanoTime()));
            ConsumerRecords<String, byte[]> more = consumer.poll(Duration.ofMillis(Math.min(remainingMs, 10)));
            if (more.isEmpty()) {
                break; // idle: do not make a lone request wait for company
            }
            more.forEach(queue::add);
        }
    }

    /** Bulk lane: hold the queued records (partitions paused, polling on) until the interactive lane is idle. */
    private void yieldToInteractive() {
        hold();
        try {
            while (priority.interactiveBusy() && !stopping) {
                keepAlivePoll();
            }
        } finally {
            release();
        }
    }

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.lag(lag);
        if (lane == RequestLane.INTERACTIVE) {
            priority.interactiveBusy(!queue.isEmpty() || inFlight != null || lag > 0);
        }
    }

    // ---------------------------------------------------------------- one chunk

    /** The records of one store run: what it reads, what it will commit. */
    private static final class Chunk {
        final List<ContributorErasureRequested> requests = new ArrayList<>();
        final List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        final Map<TopicPartition, Long> first = new HashMap<>();
        final Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Future<List<PhaseCompleted>> work;
        long startedNanos;
        boolean settled; // committed or given up inside a rebalance callback
    }

    private void processNextChunk() {
        Chunk chunk = takeChunk(sizer.next());
        if (!chunk.requests.isEmpty()) {
            inFlight = chunk;
            if (lane == RequestLane.INTERACTIVE) {
                priority.interactiveBusy(true);
            }
            chunk.startedNanos = System.nanoTime();
            chunk.work = storeThread.submit(() -> processor.process(chunk.requests));
            awaitKeepingAlive(chunk);
        }
        if (chunk.settled) {
            inFlight = null;
            return; // a rebalance callback committed it (or gave it up) while we waited
        }
        List<PhaseCompleted> completions;
        try {
            completions = chunk.work == null ? List.of() : chunk.work.get();
        } catch (ExecutionException e) {
            inFlight = null;
            if (e.getCause() instanceof StoreUnavailableException sue) {
                enterPause(chunk, sue);
                return;
            }
            throw new IllegalStateException("store work failed: " + BatchProcessor.safe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the store", e);
        }
        if (!chunk.requests.isEmpty()) {
            sizer.observe(chunk.requests.size(), Duration.ofNanos(System.nanoTime() - chunk.startedNanos));
        }
        if (!settings.delayBeforeCommit().isZero()) {
            sleep(settings.delayBeforeCommit()); // fault injection window for tests only
        }
        commit(chunk, completions);
        inFlight = null;
        updateLag();
    }

    /** Takes up to {@code size} records from the queue and sorts them into requests, dead letters and skips. */
    private Chunk takeChunk(int size) {
        Chunk chunk = new Chunk();
        while (!queue.isEmpty() && chunk.requests.size() < size) {
            ConsumerRecord<String, byte[]> r = queue.poll();
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            chunk.first.merge(tp, r.offset(), Math::min);
            chunk.next.merge(tp, new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
            if (r.value() == null) {
                metrics.skipped("tombstone");
                continue;
            }
            ContributorErasureRequested request;
            try {
                request = EventJson.read(r.value(), ContributorErasureRequested.class);
            } catch (EventFormatException e) {
                chunk.out.add(deadLetter(r, e));
                continue;
            } catch (RuntimeException e) {
                chunk.out.add(deadLetter(r, new EventFormatException(EventFormatException.PAYLOAD, "unreadable (" + e.getClass().getSimpleName() + ")")));
                continue;
            }
            if (!request.systems().contains(settings.phase())) {
                // The verifier only expects the requested phases: acknowledge (commit) without emitting.
                metrics.skipped("phase_not_requested");
                try (var a = MDC.putCloseable("requestId", request.requestId().toString());
                     var b = MDC.putCloseable("contributorId", request.contributorId())) {
                    log.info("phase {} not requested, skipped", settings.phase());
                }
                continue;
            }
            chunk.requests.add(request);
        }
        return chunk;
    }

    /** Polls with every partition paused until the store work is done: heartbeats, rebalances and the poll interval go on. */
    private void awaitKeepingAlive(Chunk chunk) {
        hold();
        try {
            while (!chunk.settled && !awaitDone(chunk.work)) {
                keepAlivePoll(Duration.ZERO);
            }
        } finally {
            release();
        }
    }

    /** Waits a little for the store; the caller polls in between (a finished chunk is noticed at once). */
    private static boolean awaitDone(Future<?> work) {
        try {
            work.get(KEEP_ALIVE_POLL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the store", e);
        }
        return true;
    }

    private void keepAlivePoll() {
        keepAlivePoll(KEEP_ALIVE_POLL);
    }

    private void keepAlivePoll(Duration timeout) {
        try {
            ConsumerRecords<String, byte[]> stray = consumer.poll(timeout);
            // Only partitions assigned during the wait can return records; they go after the queue in order.
            stray.forEach(queue::add);
        } catch (WakeupException e) {
            // stop() woke us: the current chunk still finishes and commits; the loop then ends.
        }
    }

    /** Pauses every assigned partition (and, via the rebalance listener, any assigned meanwhile). */
    private void hold() {
        holding = true;
        Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
        toPause.removeAll(consumer.paused());
        consumer.pause(toPause);
        held.addAll(toPause);
    }

    private void release() {
        holding = false;
        held.retainAll(consumer.assignment());
        if (!paused) {
            consumer.resume(held);
        }
        held.clear();
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> r, EventFormatException e) {
        metrics.deadLetter();
        String dlqTopic = lane.deadLetterTopic(settings.topics());
        log.warn("unreadable record {}-{}@{} to {}: {}", r.topic(), r.partition(), r.offset(), dlqTopic, e.getMessage());
        ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(dlqTopic, r.key(), r.value());
        DeadLetterHeaders.add(dlq.headers(), e, r.topic(), r.partition(), r.offset());
        byte[] key = r.key() == null ? null : r.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (r.value() != null && !DeadLetterHeaders.fits(key, r.value(), dlq.headers(), maxRequestBytes)) {
            log.warn("dead letter of {}-{}@{} sent without its value ({} bytes): with the headers it exceeds max.request.size {}",
                    r.topic(), r.partition(), r.offset(), r.value().length, maxRequestBytes);
            dlq = new ProducerRecord<>(dlqTopic, null, r.key(), null, dlq.headers());
            DeadLetterHeaders.addValueOmitted(dlq.headers(), r.value().length);
        }
        return dlq;
    }

    // ---------------------------------------------------------------- commit

    /** @return true if committed; false if the transaction was aborted and the records sought back */
    private boolean commit(Chunk chunk, List<PhaseCompleted> completions) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(chunk.out);
        for (PhaseCompleted pc : completions) {
            out.add(new ProducerRecord<>(lane.phaseCompletionsTopic(settings.topics()), pc.kafkaKey(), EventJson.write(pc)));
        }
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, byte[]> record : out) {
                producer.send(record);
            }
            producer.sendOffsetsToTransaction(chunk.next, consumer.groupMetadata());
            producer.commitTransaction();
            return true;
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException | InvalidProducerEpochException e) {
            throw e; // fatal for this producer: stop; the records are re-processed by whoever owns them
        } catch (KafkaException e) {
            log.warn("Kafka transaction failed, aborting; {} record(s) will be processed again: {}",
                    countRecords(chunk.next, chunk.first), e.toString());
            metrics.aborted();
            producer.abortTransaction();
            seekBackIncludingQueue(chunk.first);
            return false;
        }
    }

    private static long countRecords(Map<TopicPartition, OffsetAndMetadata> next, Map<TopicPartition, Long> first) {
        return next.entrySet().stream().mapToLong(e -> e.getValue().offset() - first.get(e.getKey())).sum();
    }

    /** Seeks every partition back to the chunk's first offset or its first queued record, and empties the queue. */
    private void seekBackIncludingQueue(Map<TopicPartition, Long> chunkFirst) {
        Map<TopicPartition, Long> first = new HashMap<>(chunkFirst);
        for (ConsumerRecord<String, byte[]> r : queue) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        queue.clear();
        Set<TopicPartition> assigned = consumer.assignment();
        first.forEach((tp, offset) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    // ---------------------------------------------------------------- outage

    private void enterPause(Chunk chunk, StoreUnavailableException e) {
        seekBackIncludingQueue(chunk.first);
        consumer.pause(consumer.assignment());
        paused = true;
        probeAttempt = 1;
        nextProbeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(probeBackoff.apply(probeAttempt));
        metrics.paused(true);
        log.warn("store unavailable after retries ({}); paused {} partition(s), will probe until it answers",
                BatchProcessor.safe(e), consumer.assignment().size());
    }

    private void pollWhilePaused() {
        long waitMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextProbeNanos - System.nanoTime()));
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(Math.min(waitMs, settings.pollTimeout().toMillis())));
        if (!records.isEmpty()) {
            // Cannot happen while every partition is paused; be safe: go back and re-read them later.
            Map<TopicPartition, Long> first = new HashMap<>();
            records.forEach(r -> first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min));
            seekBackIncludingQueue(first);
        }
        updateLag();
        if (System.nanoTime() < nextProbeNanos || stopping) {
            return;
        }
        try {
            store.checkReachable();
        } catch (RuntimeException e) {
            probeAttempt++;
            long backoff = probeBackoff.apply(probeAttempt);
            nextProbeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            log.info("store still unavailable (probe {}), next probe in {} ms", probeAttempt, backoff);
            return;
        }
        consumer.resume(consumer.paused());
        paused = false;
        metrics.paused(false);
        log.info("store answers again after {} probe(s); resumed", probeAttempt);
    }

    // ---------------------------------------------------------------- rebalance

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            settleInFlight(true);
            dropQueued(partitions);
            log.info("lane {}: partitions revoked: {}", lane.tag(), partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            settleInFlight(false);
            dropQueued(partitions);
            log.warn("lane {}: partitions lost: {}", lane.tag(), partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            } else if (holding) {
                consumer.pause(partitions);
                held.addAll(partitions);
            }
            log.info("lane {}: partitions assigned: {}", lane.tag(), partitions);
        }

        /**
         * Revoked: the generation is still ours, so wait for the running chunk and commit it now
         * (the next owner then starts after it instead of redoing it). Lost: the generation is
         * gone and a commit would be refused; the next owner redoes the chunk (idempotent, and the
         * STARTED reports keep the counts).
         */
        private void settleInFlight(boolean commit) {
            Chunk chunk = inFlight;
            if (chunk == null || chunk.settled) {
                return;
            }
            chunk.settled = true;
            List<PhaseCompleted> completions;
            try {
                completions = chunk.work.get();
            } catch (ExecutionException e) {
                log.info("lane {}: chunk of {} request(s) failed during a rebalance ({}); the next owner redoes it",
                        lane.tag(), chunk.requests.size(), BatchProcessor.safe(e.getCause()));
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (commit) {
                boolean done = commit(chunk, completions);
                log.info("lane {}: chunk of {} request(s) {} before giving up partitions", lane.tag(), chunk.requests.size(),
                        done ? "committed" : "aborted");
            }
        }

        private void dropQueued(Collection<TopicPartition> partitions) {
            // Read but not committed: the new owner reads them again from the committed offset.
            Set<TopicPartition> gone = new HashSet<>(partitions);
            queue.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the loop to finish the current chunk and stop (SIGTERM). */
    public void stop() {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Waits for the loop to end. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isRunning() {
        return running;
    }

    public boolean isPaused() {
        return paused;
    }

    /** The error that ended the loop, if any. */
    public Throwable failure() {
        return failure;
    }

    private void closeClients() {
        if (consumer != null) {
            try {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                log.warn("consumer close: {}", e.toString());
            }
        }
        for (KafkaProducer<String, byte[]> p : new KafkaProducer[] {producer, writeAheadProducer}) {
            if (p != null) {
                try {
                    p.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    log.warn("producer close: {}", e.toString());
                }
            }
        }
    }

    /** Stops and waits up to 30 s. */
    @Override
    public void close() {
        stop();
        try {
            awaitStopped(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
