package org.erasure.sink.runtime;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
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
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.EventFormatException;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.serde.EventJson;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The consumer loop. One thread; per poll (plus linger): read → dead-letter the unreadable →
 * erase/verify via {@link BatchProcessor} → in one Kafka transaction send the PhaseCompleted
 * events, the dead letters and the consumed offsets ({@code sendOffsetsToTransaction}) → commit.
 *
 * <p>Crash anywhere before the commit: the transaction is aborted (by the broker on timeout, or
 * at once when the replacement instance with the same {@code transactional.id} calls
 * {@code initTransactions}), the offsets were not committed, and the records are processed again;
 * the store's erase is idempotent, so the re-run changes nothing more and still verifies.
 * Readers use {@code isolation.level=read_committed} and never see the aborted events.
 *
 * <p>Store down beyond the retries: seek back to the first offset of the uncommitted records,
 * pause all assigned partitions, keep polling (the consumer stays in the group), probe
 * {@link ErasureStore#checkReachable()} with exponential backoff, resume when it answers.
 */
public final class SinkRunner implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkRunner.class);

    private final SinkSettings settings;
    private final ErasureStore store;
    private final SinkMetrics metrics;
    private final BatchProcessor processor;
    private final IntervalFunction probeBackoff;
    private final CountDownLatch finished = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;

    private final List<ConsumerRecord<String, byte[]>> pending = new ArrayList<>();
    private boolean paused;
    private int probeAttempt;
    private long nextProbeNanos;

    public SinkRunner(SinkSettings settings, ErasureStore store, SinkMetrics metrics) {
        this.settings = settings;
        this.store = store;
        this.metrics = metrics;
        this.processor = new BatchProcessor(store, settings, metrics, Clock.systemUTC());
        this.probeBackoff = IntervalFunction.ofExponentialBackoff(settings.probeInitial(), settings.probeMultiplier(), settings.probeMax());
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        if (settings.staticMembership()) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceName());
        }
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.instanceName() + "-consumer");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxBatch()));
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(settings.sessionTimeout().toMillis()));
        p.putAll(settings.consumerOverrides());
        return p;
    }

    Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.instanceName());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceName() + "-producer");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(settings.transactionTimeout().toMillis()));
        p.putAll(settings.producerOverrides());
        return p;
    }

    @Override
    public void run() {
        running = true;
        try {
            producer = new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
            producer.initTransactions();
            consumer = new KafkaConsumer<>(consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(settings.topics().requests()), new Rebalance());
            log.info("sink {} consuming {} as group {} (transactional.id {}, max batch {}, linger {} ms)",
                    settings.name(), settings.topics().requests(), settings.groupId(), settings.instanceName(),
                    settings.maxBatch(), settings.linger().toMillis());
            while (!stopping) {
                if (paused) {
                    pollWhilePaused();
                } else {
                    pollAndProcess();
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                failure = e;
                log.error("consumer woken up unexpectedly", e);
            }
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            failure = e;
            log.error("another instance with transactional.id {} took over; stopping", settings.instanceName());
        } catch (Throwable e) {
            failure = e;
            log.error("sink loop failed: {}", BatchProcessor.safe(e));
        } finally {
            closeClients();
            running = false;
            finished.countDown();
            log.info("sink {} stopped", settings.name());
        }
    }

    private void pollAndProcess() {
        ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
        updateLag();
        if (records.isEmpty()) {
            return;
        }
        pending.clear();
        records.forEach(pending::add);
        long lingerEnd = System.nanoTime() + settings.linger().toNanos();
        while (pending.size() < settings.maxBatch() && System.nanoTime() < lingerEnd && !stopping) {
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lingerEnd - System.nanoTime()));
            ConsumerRecords<String, byte[]> more = consumer.poll(Duration.ofMillis(Math.min(remainingMs, 10)));
            if (more.isEmpty()) {
                break; // idle: do not make a lone request wait for company
            }
            more.forEach(pending::add);
        }
        if (pending.isEmpty()) {
            return; // everything was revoked while lingering
        }
        handle(new ArrayList<>(pending));
        pending.clear();
    }

    private void handle(List<ConsumerRecord<String, byte[]>> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        List<ContributorErasureRequested> requests = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            first.merge(tp, r.offset(), Math::min);
            next.merge(tp, new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
            if (r.value() == null) {
                metrics.skipped("tombstone");
                continue;
            }
            ContributorErasureRequested request;
            try {
                request = EventJson.read(r.value(), ContributorErasureRequested.class);
            } catch (EventFormatException e) {
                out.add(deadLetter(r, e));
                continue;
            } catch (RuntimeException e) {
                out.add(deadLetter(r, new EventFormatException(EventFormatException.PAYLOAD, "unreadable (" + e.getClass().getSimpleName() + ")")));
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
            requests.add(request);
        }

        List<PhaseCompleted> completions;
        try {
            completions = requests.isEmpty() ? List.of() : processor.process(requests);
        } catch (StoreUnavailableException e) {
            enterPause(first, e);
            return;
        }
        for (PhaseCompleted pc : completions) {
            out.add(new ProducerRecord<>(settings.topics().phaseCompletions(), pc.kafkaKey(), EventJson.write(pc)));
        }
        if (!settings.delayBeforeCommit().isZero()) {
            sleep(settings.delayBeforeCommit()); // fault injection window for tests only
        }
        commit(out, next, first);
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> r, EventFormatException e) {
        metrics.deadLetter();
        log.warn("unreadable record {}-{}@{} to {}: {}", r.topic(), r.partition(), r.offset(),
                settings.topics().requestsDlq(), e.getMessage());
        ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(settings.topics().requestsDlq(), r.key(), r.value());
        DeadLetterHeaders.add(dlq.headers(), e, r.topic(), r.partition(), r.offset());
        return dlq;
    }

    private void commit(List<ProducerRecord<String, byte[]>> out, Map<TopicPartition, OffsetAndMetadata> next,
                        Map<TopicPartition, Long> first) {
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, byte[]> record : out) {
                producer.send(record);
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException | InvalidProducerEpochException e) {
            throw e; // fatal for this producer: stop; the records are re-processed by whoever owns them
        } catch (KafkaException e) {
            log.warn("Kafka transaction failed, aborting and re-processing {} record(s): {}", countRecords(next, first), e.toString());
            metrics.aborted();
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailure) {
                throw abortFailure;
            }
            seekBack(first);
        }
    }

    private static long countRecords(Map<TopicPartition, OffsetAndMetadata> next, Map<TopicPartition, Long> first) {
        return next.entrySet().stream().mapToLong(e -> e.getValue().offset() - first.get(e.getKey())).sum();
    }

    private void seekBack(Map<TopicPartition, Long> first) {
        Set<TopicPartition> assigned = consumer.assignment();
        first.forEach((tp, offset) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    private void enterPause(Map<TopicPartition, Long> first, StoreUnavailableException e) {
        seekBack(first);
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
            seekBack(first);
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

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.lag(lag);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            dropPending(partitions);
            log.info("partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropPending(partitions);
            log.warn("partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
            log.info("partitions assigned: {}", partitions);
        }

        private void dropPending(Collection<TopicPartition> partitions) {
            // Records read but not yet committed: the new owner reads them again from the committed offset.
            Set<TopicPartition> gone = new HashSet<>(partitions);
            pending.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the loop to finish the current batch and stop (SIGTERM). */
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
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.warn("producer close: {}", e.toString());
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
