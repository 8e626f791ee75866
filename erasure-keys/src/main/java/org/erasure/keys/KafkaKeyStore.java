package org.erasure.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default key store: a compacted topic ({@link KeyTopic}), record key = requestId, value = JSON
 * {@code {keyId, kekId, wrapped, createdAt}}; a shred is a tombstone.
 *
 * <p>Reads materialise the topic in memory: each {@link #get}/{@link #getAll} first reads every partition
 * up to its end offsets of that moment (committed records only), so it sees every put and shred that
 * completed before it, from any process. Writes are acknowledged by all in-sync replicas before they return.
 * The map holds wrapped keys only (useless without the key-encryption key), about 200 bytes per request.
 */
public final class KafkaKeyStore implements KeyStore {
    /** Key of the records the shredding job writes to roll an idle segment (a tombstone: it holds nothing). */
    public static final String ROLL_MARKER = "~roll";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaKeyStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final Duration timeout;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<UUID, WrappedKey> keys = new HashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    /**
     * Only in a store opened {@link #openForRotation for a rotation} (short-lived: it grows with the shreds read): the key
     * id each tombstone removed, and the keys live again under such a key id ({@link #resurrected()}).
     */
    private Map<UUID, String> shredHistory;
    private final Set<UUID> resurrected = new HashSet<>();

    private KafkaKeyStore(String topic, Duration timeout, KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> consumer) {
        this.topic = topic;
        this.timeout = timeout;
        this.producer = producer;
        this.consumer = consumer;
    }

    /**
     * Creates the topic if absent (refuses one that is not compacted: a deleting topic would lose every key
     * at retention, a plain one would never physically remove a shredded key) and opens the store.
     *
     * @param client Kafka client properties (bootstrap servers, security); serializers and ids are set here
     */
    public static KafkaKeyStore open(KeyTopic settings, Map<String, Object> client, Duration timeout) {
        return open(settings, client, timeout, false);
    }

    /**
     * {@link #open}, also remembering which key id each tombstone it reads removed, so that {@link #resurrected()} finds
     * a key put back over its shred by a rewrap killed between its write and its check (while the tombstone is still
     * on the topic: until the segment is rolled and cleaned). For {@code erasurectl keys rewrap}, not for services.
     */
    public static KafkaKeyStore openForRotation(KeyTopic settings, Map<String, Object> client, Duration timeout) {
        return open(settings, client, timeout, true);
    }

    private static KafkaKeyStore open(KeyTopic settings, Map<String, Object> client, Duration timeout, boolean rotation) {
        ensureTopic(settings, client, timeout);
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, no group: every reader sees the whole topic
        KafkaKeyStore store = new KafkaKeyStore(settings.name(), timeout, new KafkaProducer<>(p), new KafkaConsumer<>(c));
        if (rotation) {
            store.shredHistory = new HashMap<>();
        }
        return store;
    }

    /** First wait when a just-created topic is not known yet; doubled each time, at most {@link #UNKNOWN_TOPIC_MAX_WAIT}. */
    static final Duration UNKNOWN_TOPIC_FIRST_WAIT = Duration.ofMillis(50);
    static final Duration UNKNOWN_TOPIC_MAX_WAIT = Duration.ofSeconds(1);

    /**
     * The topic's configuration. A topic created a moment ago may not be known yet to the broker answering
     * (metadata propagates asynchronously): asked again while it is unknown, until {@code timeout}.
     */
    private static Config describe(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return whileTopicUnknown(timeout,
                () -> admin.describeConfigs(List.of(r)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(r));
    }

    /** An admin call: its checked failures are those of {@code KafkaFuture.get} with a time-out. */
    @FunctionalInterface
    interface AdminCall<T> {
        T call() throws InterruptedException, ExecutionException, TimeoutException;
    }

    /**
     * Runs {@code call}, again with exponential backoff (from {@link #UNKNOWN_TOPIC_FIRST_WAIT}, doubled, at most
     * {@link #UNKNOWN_TOPIC_MAX_WAIT}) while it fails with {@link UnknownTopicOrPartitionException} and {@code timeout}
     * has not passed since the first try; any other failure, or the last one, is thrown as it came.
     */
    static <T> T whileTopicUnknown(Duration timeout, AdminCall<T> call)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Retry retry = Retry.of("key-topic-unknown", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE) // bounded by the deadline in the predicate
                .intervalFunction(IntervalFunction.ofExponentialBackoff(UNKNOWN_TOPIC_FIRST_WAIT, 2.0, UNKNOWN_TOPIC_MAX_WAIT))
                .retryOnException(e -> e instanceof ExecutionException && e.getCause() instanceof UnknownTopicOrPartitionException
                        && System.nanoTime() < deadline)
                .build());
        try {
            return retry.executeCheckedSupplier(call::call);
        } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // AdminCall declares no other checked exception
        }
    }

    static void ensureTopic(KeyTopic settings, Map<String, Object> client, Duration timeout) {
        try (Admin admin = Admin.create(client)) {
            try {
                NewTopic t = new NewTopic(settings.name(), Optional.of(settings.partitions()),
                        settings.replicationFactor() > 0 ? Optional.of(settings.replicationFactor()) : Optional.empty())
                        .configs(settings.config());
                admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("created key topic {} with {}", settings.name(), settings.config());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
            Config actual = describe(admin, settings.name(), timeout);
            ConfigEntry policy = actual.get("cleanup.policy");
            if (policy == null || !"compact".equals(policy.value())) {
                throw new IllegalStateException("key topic " + settings.name() + " has cleanup.policy="
                        + (policy == null ? "?" : policy.value()) + "; it must be exactly 'compact' (see docs/privacy.md)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking key topic " + settings.name());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("key topic " + settings.name() + " could not be created or described: "
                    + (e.getCause() != null ? e.getCause() : e));
        }
    }

    @Override
    public void put(UUID requestId, WrappedKey key) {
        send(requestId.toString(), encode(key));
        synchronized (this) {
            keys.put(requestId, key);
        }
    }

    @Override
    public void putAll(Map<UUID, WrappedKey> toPut) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        toPut.forEach((id, key) -> values.put(id.toString(), encode(key)));
        sendAll(values);
        synchronized (this) {
            keys.putAll(toPut);
        }
    }

    /** Sends all, then waits for every acknowledgement (one round); the offsets written, by record key. */
    private Map<String, RecordMetadata> sendAll(Map<String, byte[]> values) {
        Map<String, Future<RecordMetadata>> acks = new LinkedHashMap<>();
        values.forEach((key, value) -> acks.put(key, producer.send(new ProducerRecord<>(topic, key, value))));
        producer.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, RecordMetadata> out = new HashMap<>();
        try {
            for (Map.Entry<String, Future<RecordMetadata>> ack : acks.entrySet()) {
                out.put(ack.getKey(), ack.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing to key topic " + topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("key topic " + topic + " did not acknowledge " + values.size() + " key writes in " + timeout + ": "
                    + (e.getCause() != null ? e.getCause().getClass().getSimpleName() : "timeout"));
        }
        return out;
    }

    /**
     * Kafka has no conditional write, so the check comes after: (1) catch up and drop every key that is no longer the
     * one read (shredded or changed since); (2) write the others; (3) catch up again, watching every record written
     * by others to those keys after step 1. If the last such record came before our write, our write overwrote it:
     * a tombstone is written again (a re-shred is idempotent), another key is put back. If it came after, it is the
     * latest value already. A reader may see a replaced key between (2) and (3) (one catch-up, typically
     * milliseconds); a process killed between them leaves it replaced, which the next rewrap finds and shreds again
     * ({@link #resurrected()} of a store {@link #openForRotation opened for a rotation}).
     */
    @Override
    public synchronized Replaced replaceAll(Map<UUID, Replacement> replacements) {
        catchUp(r -> {});
        Set<UUID> replaced = new HashSet<>();
        Set<UUID> shredded = new HashSet<>();
        Set<UUID> changed = new HashSet<>();
        Map<String, byte[]> toWrite = new LinkedHashMap<>();
        replacements.forEach((id, r) -> {
            WrappedKey now = keys.get(id);
            if (now == null) {
                shredded.add(id);
            } else if (!now.equals(r.expected())) {
                changed.add(id);
            } else {
                toWrite.put(id.toString(), encode(r.replacement()));
            }
        });
        beforeReplacing.run();
        Map<String, RecordMetadata> written = sendAll(toWrite);
        Map<String, ConsumerRecord<String, byte[]>> lastByOthers = new HashMap<>();
        catchUp(r -> {
            RecordMetadata ours = written.get(r.key());
            if (ours != null && !(r.partition() == ours.partition() && r.offset() == ours.offset())) {
                lastByOthers.put(r.key(), r);
            }
        });
        for (Map.Entry<String, RecordMetadata> w : written.entrySet()) {
            UUID id = UUID.fromString(w.getKey());
            ConsumerRecord<String, byte[]> other = lastByOthers.get(w.getKey());
            if (other == null) {
                replaced.add(id);
                continue;
            }
            (other.value() == null ? shredded : changed).add(id);
            if (other.offset() < w.getValue().offset()) {
                if (other.value() == null) {
                    LOG.info("key under {} was shredded while being replaced: shredded again", id);
                    shred(id);
                } else {
                    LOG.info("key under {} was changed while being replaced: the other key put back", id);
                    send(w.getKey(), other.value());
                    apply(other);
                }
            }
        }
        return new Replaced(replaced, shredded, changed);
    }

    @Override
    public synchronized Set<UUID> resurrected() {
        catchUp(r -> {});
        return Set.copyOf(resurrected);
    }

    /** Tests: runs in {@link #replaceAll} between its check and its write (where a concurrent shred does harm). */
    private Runnable beforeReplacing = () -> {};

    synchronized void beforeReplacing(Runnable hook) {
        this.beforeReplacing = hook;
    }

    @Override
    public Optional<WrappedKey> get(UUID requestId) {
        return Optional.ofNullable(getAll(List.of(requestId)).get(requestId));
    }

    @Override
    public synchronized Map<UUID, WrappedKey> getAll(Collection<UUID> requestIds) {
        catchUp(r -> {});
        Map<UUID, WrappedKey> out = new HashMap<>();
        for (UUID id : requestIds) {
            WrappedKey k = keys.get(id);
            if (k != null) out.put(id, k);
        }
        return out;
    }

    @Override
    public synchronized Map<UUID, WrappedKey> all() {
        catchUp(r -> {});
        return Map.copyOf(keys);
    }

    @Override
    public void shred(UUID requestId) {
        send(requestId.toString(), null);
        synchronized (this) {
            keys.remove(requestId);
            resurrected.remove(requestId);
        }
    }

    /**
     * Writes a tombstone under {@link #ROLL_MARKER} to <em>every</em> partition: a write that lets a segment
     * holding shreds roll when nothing else is written (segments roll per partition, and a shred may be on any).
     */
    @Override
    public void writeRollMarker() {
        for (org.apache.kafka.common.PartitionInfo p : producer.partitionsFor(topic)) {
            send(p.partition(), ROLL_MARKER, null);
        }
    }

    private void send(String key, byte[] value) {
        send(null, key, value);
    }

    private void send(Integer partition, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing to key topic " + topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("key topic " + topic + " did not acknowledge a write for request " + key
                    + " in " + timeout + ": " + (e.getCause() != null ? e.getCause().getClass().getSimpleName() : "timeout"));
        }
    }

    /**
     * Reads every partition up to its end offsets of now; new partitions are read from their beginning.
     * {@code seen} gets each record after it is applied.
     */
    private void catchUp(java.util.function.Consumer<ConsumerRecord<String, byte[]>> seen) {
        List<TopicPartition> partitions = new ArrayList<>();
        long metadataDeadline = System.nanoTime() + timeout.toNanos();
        while (partitions.isEmpty()) {
            // Right after creation the topic may not be in the metadata yet: reading nothing would miss keys.
            consumer.partitionsFor(topic, timeout).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            if (partitions.isEmpty() && System.nanoTime() > metadataDeadline) {
                throw new IllegalStateException("key topic " + topic + " has no partitions in the metadata after " + timeout);
            }
        }
        if (!assigned.containsAll(partitions)) {
            List<TopicPartition> added = partitions.stream().filter(tp -> !assigned.contains(tp)).toList();
            assigned.addAll(partitions);
            consumer.assign(assigned);
            consumer.seekToBeginning(added);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (assigned.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("key topic " + topic + " was not read to its end in " + timeout);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                apply(r);
                seen.accept(r);
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        UUID requestId;
        try {
            requestId = UUID.fromString(r.key());
        } catch (IllegalArgumentException | NullPointerException e) {
            return; // roll markers and anything else that is not a request's key
        }
        if (r.value() == null) {
            WrappedKey removed = keys.remove(requestId);
            if (shredHistory != null && removed != null) {
                shredHistory.put(requestId, removed.keyId());
            }
            resurrected.remove(requestId);
            return;
        }
        try {
            WrappedKey k = decode(r.value());
            keys.put(requestId, k);
            // Key ids are random per data key: the same one after its tombstone is a replacement written over a shred.
            if (shredHistory != null && k.keyId().equals(shredHistory.get(requestId))) {
                resurrected.add(requestId);
            } else {
                resurrected.remove(requestId);
            }
        } catch (RuntimeException | IOException e) {
            // Never the value: it is key material, even if wrapped.
            LOG.warn("key topic {} partition {} offset {}: unreadable key record for request {} ignored",
                    r.topic(), r.partition(), r.offset(), requestId);
        }
    }

    static byte[] encode(WrappedKey key) {
        ObjectNode n = JSON.createObjectNode();
        n.put("keyId", key.keyId());
        n.put("kekId", key.kekId());
        n.put("wrapped", key.wrapped());
        n.put("createdAt", key.createdAt().toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise a wrapped key");
        }
    }

    static WrappedKey decode(byte[] value) throws IOException {
        JsonNode n = JSON.readTree(value);
        return new WrappedKey(n.path("keyId").asText(null), n.path("kekId").asText(null), n.path("wrapped").asText(null),
                Instant.parse(n.path("createdAt").asText()));
    }

    @Override
    public synchronized void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close();
    }
}
