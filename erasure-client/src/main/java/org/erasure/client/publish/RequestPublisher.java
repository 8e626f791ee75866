package org.erasure.client.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringSerializer;
import java.util.function.Function;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.RequestLane;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes erasure requests to {@code erasure.requests}, keyed by contributorId. Every call to
 * {@link #publish} is one Kafka transaction: consumers reading {@code read_committed} (the sinks) see
 * the whole batch or nothing. The producer is idempotent with {@code acks=all}.
 *
 * <p>One producer, calls serialised: a transactional producer runs one transaction at a time. The
 * producer is created (and {@code initTransactions} run) on first use, so the service starts while
 * Kafka is down; after a fatal error (fenced, sequence error) it is closed and re-created on the next call.
 */
public final class RequestPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RequestPublisher.class);

    private final Map<String, Object> config;
    private final Topics topics;
    private Producer<String, ContributorErasureRequested> producer;
    private boolean closed;
    /** Applied to each batch before it is sent; identity unless identifiers are sealed (erasure-keys). */
    private java.util.function.UnaryOperator<List<ContributorErasureRequested>> sealer = java.util.function.UnaryOperator.identity();

    /**
     * @param kafka           client settings (bootstrap.servers, security...); producer settings are added
     * @param transactionalId unique per running instance
     */
    public RequestPublisher(Map<String, Object> kafka, Topics topics, String transactionalId, Duration timeout) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // delivery.timeout.ms must be >= linger.ms + request.timeout.ms
        int total = (int) Math.max(timeout.toMillis(), 2_000);
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, total);
        c.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, total / 2);
        c.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, total);
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        this.config = Map.copyOf(c);
        this.topics = topics;
    }

    public Topics topics() {
        return topics;
    }

    /**
     * Seals the identifiers of each batch's requests before they are sent (e.g. {@code RequestKeys::sealAll}, which stores
     * their keys durably first, in one round of acknowledgements), returning them in the same order. A sealer failure
     * publishes nothing; keys it already stored name no published request.
     */
    public synchronized RequestPublisher sealingWith(java.util.function.UnaryOperator<List<ContributorErasureRequested>> sealer) {
        this.sealer = java.util.Objects.requireNonNull(sealer, "sealer");
        return this;
    }

    /** Publishes each request to the lane of its reason ({@link RequestLane#forReason}). */
    public void publish(List<ContributorErasureRequested> requests) {
        publish(requests, r -> RequestLane.forReason(r.reason()));
    }

    /**
     * Publishes all requests in one transaction, each to the topic of its lane, and returns once it
     * is committed.
     *
     * @throws PublishException when the transaction could not be committed (it is aborted: nothing is visible)
     */
    public synchronized void publish(List<ContributorErasureRequested> requests, Function<ContributorErasureRequested, RequestLane> lane) {
        publishedUpTo(requests, lane);
    }

    /**
     * {@link #publish}, returning per partition the offset after the last record it wrote: a read_committed reader has
     * seen the batch once its position there is at least that. (The commit returns before the broker has written its
     * markers, so "committed" is not yet "visible": a reader may briefly not see it.)
     */
    public synchronized Map<org.apache.kafka.common.TopicPartition, Long> publishedUpTo(List<ContributorErasureRequested> requests,
                                                                                      Function<ContributorErasureRequested, RequestLane> lane) {
        if (closed) {
            throw new PublishException("publisher is closed", null);
        }
        if (requests.isEmpty()) {
            return Map.of();
        }
        List<ContributorErasureRequested> toSend;
        try {
            toSend = sealer.apply(requests);
        } catch (RuntimeException e) {
            log.warn("cannot seal the requests' identifiers: {}", e.getClass().getSimpleName());
            throw new PublishException("the key store is unreachable (" + e.getClass().getSimpleName() + "); nothing was published", e);
        }
        Producer<String, ContributorErasureRequested> p;
        try {
            p = producer();
        } catch (KafkaException e) {
            reset();
            log.warn("cannot start the transactional producer: {}", rootCause(e));
            throw new PublishException("Kafka is unreachable (" + e.getClass().getSimpleName() + "); nothing was published", e);
        }
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new java.util.ArrayList<>(toSend.size());
        try {
            p.beginTransaction();
            for (ContributorErasureRequested r : toSend) {
                sent.add(p.send(new ProducerRecord<>(lane.apply(r).topic(topics), r.kafkaKey(), r)));
            }
            p.commitTransaction();
            Map<org.apache.kafka.common.TopicPartition, Long> upTo = new java.util.HashMap<>();
            for (var f : sent) {
                org.apache.kafka.clients.producer.RecordMetadata m = f.get(); // done: the commit flushed every send
                upTo.merge(new org.apache.kafka.common.TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
            return upTo;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            // Not reached in practice: the commit succeeded, so every send did. Report it as published.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Map.of();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException | InvalidProducerEpochException e) {
            reset();
            throw new PublishException("publishing failed (fatal producer error " + e.getClass().getSimpleName() + "); nothing was published", e);
        } catch (KafkaException e) {
            try {
                p.abortTransaction();
            } catch (KafkaException abortFailed) {
                reset();
            }
            throw new PublishException("publishing failed (" + e.getClass().getSimpleName() + "); nothing was published", e);
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private Producer<String, ContributorErasureRequested> producer() {
        if (producer == null) {
            KafkaProducer<String, ContributorErasureRequested> p =
                    new KafkaProducer<>(config, new StringSerializer(), EventSerdes.requested().serializer());
            try {
                p.initTransactions();
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer = p;
            log.info("transactional producer ready (transactional.id {}, topics {})",
                    config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG), topics.requestLanes());
        }
        return producer;
    }

    private void reset() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (KafkaException e) {
                log.warn("closing the producer failed: {}", e.getClass().getSimpleName());
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
