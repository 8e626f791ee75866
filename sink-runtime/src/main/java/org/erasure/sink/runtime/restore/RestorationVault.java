package org.erasure.sink.runtime.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.erasure.events.Phase;
import org.erasure.keys.DataKey;
import org.erasure.keys.Envelope;
import org.erasure.keys.EnvelopeException;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyStore;
import org.erasure.keys.WrappedKey;
import org.erasure.sink.runtime.DurableSend;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's undo window on Kafka: before-images sealed under a <em>restoration key</em> per request and phase,
 * written to the restoration topic (key = requestId, so one request's images share a partition); the keys,
 * wrapped by the key-encryption key, on a compacted key topic of their own. Shredding a key ends its window: the
 * images, wherever they are copied, no longer open. Separate from the identifiers' key on purpose: the window
 * (7 days) ends long before the identifiers' key is shredded (35 days), and no sink waits for another to make a key.
 */
public final class RestorationVault implements AutoCloseable {
    /** A restore of a request whose images exist but whose restoration key was shredded. */
    public static final String WINDOW_ENDED = "RESTORATION_WINDOW_ENDED";
    /** A restoration image or key that does not open (another KEK, changed bytes). */
    public static final String UNREADABLE = "RESTORATION_UNREADABLE";

    private static final Logger log = LoggerFactory.getLogger(RestorationVault.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEY_CACHE = 20_000;
    /** How far a replica's clock (its images' timestamps) may lag the one that made the key: a restore reads from then. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

    private final Phase phase;
    private final RestorationSettings settings;
    private final Envelope envelope;
    private final KeyStore keyStore;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, Object> client;
    private final Clock clock;
    private final Duration timeout;
    private final Map<UUID, DataKey> keys = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, DataKey> eldest) {
            if (size() > KEY_CACHE) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };
    private Instant rollMarkerDue;

    RestorationVault(Phase phase, RestorationSettings settings, KeyStore keyStore, KafkaProducer<String, byte[]> producer,
                     Map<String, Object> client, Clock clock) {
        this.phase = phase;
        this.settings = settings;
        this.envelope = settings.keys().envelope(); // the key ring: unwraps restoration keys of a previous KEK (rotation)
        this.keyStore = keyStore;
        this.producer = producer;
        this.client = Map.copyOf(client);
        this.clock = clock;
        this.timeout = settings.keys().timeout();
    }

    /**
     * Creates the image topic if absent ({@code cleanup.policy=delete}, retention = window + margin) and the key topic
     * (compacted, erasure-keys' {@code KeyTopic}), and opens both.
     *
     * @throws IllegalStateException when settings are not {@link RestorationSettings#enabled()} or a topic cannot be created
     */
    public static RestorationVault open(Phase phase, RestorationSettings settings, Map<String, Object> client) {
        if (!settings.enabled()) {
            throw new IllegalStateException("the undo window is off (no key-encryption key, or sink.restoration.enabled = false)");
        }
        ensureImageTopic(settings, client);
        KeyStore keyStore = KafkaKeyStore.open(settings.keyTopic(), client, settings.keys().timeout());
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new RestorationVault(phase, settings, keyStore, new KafkaProducer<>(p), client, Clock.systemUTC());
    }

    static void ensureImageTopic(RestorationSettings settings, Map<String, Object> client) {
        try (Admin admin = Admin.create(client)) {
            NewTopic t = new NewTopic(settings.topic(), Optional.of(settings.partitions()), Optional.empty())
                    .configs(Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(settings.topicRetention().toMillis())));
            admin.createTopics(List.of(t)).all().get(settings.keys().timeout().toMillis(), TimeUnit.MILLISECONDS);
            log.info("created restoration topic {} (retention {})", settings.topic(), settings.topicRetention());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("restoration topic " + settings.topic() + " could not be created: " + e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating restoration topic " + settings.topic());
        } catch (TimeoutException e) {
            throw new IllegalStateException("restoration topic " + settings.topic() + " could not be created in " + settings.keys().timeout());
        }
    }

    public RestorationSettings settings() {
        return settings;
    }

    /** The key-store id of a request's restoration key for this phase (one per request and phase). */
    static UUID owner(UUID requestId, Phase phase) {
        return UUID.nameUUIDFromBytes(("erasure-restoration|" + phase.name() + "|" + requestId).getBytes(StandardCharsets.UTF_8));
    }

    private String keyIdPrefix() {
        return "rk-" + phase.name();
    }

    /** The {@link RestorationLog} of one erase call: keeps images of {@code executeIds} only (dry runs keep nothing). */
    public RestorationLog logFor(Set<UUID> executeIds) {
        return new RestorationLog() {
            @Override
            public boolean enabled() {
                return !executeIds.isEmpty();
            }

            @Override
            public void keep(List<BeforeImage> images) {
                RestorationVault.this.keep(images.stream().filter(i -> executeIds.contains(i.requestId())).toList());
            }

            @Override
            public byte[] seal(UUID requestId, byte[] plain) {
                if (!executeIds.contains(requestId)) {
                    throw new IllegalArgumentException("request " + requestId + " is not an EXECUTE item of this batch");
                }
                return RestorationVault.this.seal(requestId, plain);
            }

            @Override
            public byte[] open(UUID requestId, byte[] sealed) {
                return RestorationVault.this.open(requestId, sealed);
            }
        };
    }

    /** What {@link org.erasure.sink.runtime.spi.ErasureStore#restore} gets to open what the store sealed itself. */
    public RestorationLog forRestore() {
        return logFor(Set.of());
    }

    /** Seals and writes the images, creating the requests' restoration keys first; returns when all are acknowledged. */
    synchronized void keep(List<BeforeImage> images) {
        if (images.isEmpty()) {
            return;
        }
        Set<UUID> ids = new LinkedHashSet<>();
        images.forEach(i -> ids.add(i.requestId()));
        Map<UUID, DataKey> byRequest = keysFor(ids);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(images.size());
        for (BeforeImage image : images) {
            DataKey key = byRequest.get(image.requestId());
            byte[] sealed = key.seal(image.content(), aad(image.requestId(), image.target()));
            records.add(new ProducerRecord<>(settings.topic(), image.requestId().toString(),
                    encode(image.requestId(), image.target(), key.keyId(), sealed)));
        }
        DurableSend.sendAll(producer, records, timeout, "restoration images");
    }

    synchronized byte[] seal(UUID requestId, byte[] plain) {
        return keysFor(Set.of(requestId)).get(requestId).seal(plain, aad(requestId, "~sealed"));
    }

    synchronized byte[] open(UUID requestId, byte[] sealed) {
        DataKey key = existingKey(requestId);
        try {
            return key.open(sealed, aad(requestId, "~sealed"));
        } catch (EnvelopeException e) {
            throw new StoreException(UNREADABLE, "restoration data of request " + requestId + " does not open: " + e.getMessage());
        }
    }

    /**
     * The request's images for this phase, opened, in the order kept; empty when this sink kept none for it (it
     * erased nothing here, or ran without the undo window). Reads the request's partition of the image topic.
     *
     * @throws StoreException {@link #WINDOW_ENDED} when images exist but their key was shredded; {@link #UNREADABLE}
     * @throws StoreUnavailableException when Kafka or the key store does not answer
     */
    public List<BeforeImage> read(UUID requestId) {
        // Every image of a request is written after its restoration key was made: with the key in hand, read from
        // then on, not the whole retention (window + margin). Without one (never kept, or shredded) read it all, to
        // tell the two apart.
        DataKey known;
        synchronized (this) {
            known = keyIfAny(requestId);
        }
        List<JsonNode> sealed = readSealed(requestId, known == null ? null : known.wrapped().createdAt().minus(CLOCK_SKEW));
        if (sealed.isEmpty()) {
            return List.of();
        }
        DataKey key;
        synchronized (this) {
            key = known != null ? known : existingKey(requestId);
        }
        List<BeforeImage> out = new ArrayList<>(sealed.size());
        for (JsonNode n : sealed) {
            String target = n.path("target").asText();
            try {
                out.add(new BeforeImage(requestId, target, key.open(Base64.getDecoder().decode(n.path("sealed").asText()), aad(requestId, target))));
            } catch (EnvelopeException | IllegalArgumentException e) {
                throw new StoreException(UNREADABLE, "a restoration image of request " + requestId + " does not open");
            }
        }
        return out;
    }

    /** @param since read from the first record at or after this time (images of the request come later); null: from the beginning */
    private List<JsonNode> readSealed(UUID requestId, Instant since) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String key = requestId.toString();
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
            int partitions = consumer.partitionsFor(settings.topic(), timeout).size();
            TopicPartition tp = new TopicPartition(settings.topic(), Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions);
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            OffsetAndTimestamp from = since == null ? null
                    : consumer.offsetsForTimes(Map.of(tp, since.toEpochMilli()), timeout).get(tp);
            if (since != null && from == null) {
                return out; // nothing written since the key was made
            }
            if (from == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, from.offset());
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(tp, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new StoreUnavailableException("restoration topic " + settings.topic() + " was not read to its end in " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key()) && r.value() != null) {
                        JsonNode n = JSON.readTree(r.value());
                        if (phase.name().equals(n.path("phase").asText())) {
                            out.add(n);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreException(UNREADABLE, "a restoration record of request " + requestId + " is not valid JSON");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new StoreUnavailableException("restoration topic " + settings.topic() + " could not be read (" + e.getClass().getSimpleName() + ")", e);
        }
        return out;
    }

    /** Keys of these requests, made (and stored, in one round of acknowledgements) where none exists yet. */
    private Map<UUID, DataKey> keysFor(Collection<UUID> requestIds) {
        Map<UUID, DataKey> out = new HashMap<>();
        List<UUID> unknown = new ArrayList<>();
        for (UUID id : requestIds) {
            DataKey k = keys.get(id);
            if (k != null) out.put(id, k); else unknown.add(id);
        }
        if (unknown.isEmpty()) {
            return out;
        }
        Map<UUID, WrappedKey> stored;
        Map<UUID, WrappedKey> toPut = new HashMap<>();
        try {
            stored = keyStore.getAll(unknown.stream().map(id -> owner(id, phase)).toList());
            for (UUID id : unknown) {
                UUID owner = owner(id, phase);
                WrappedKey w = stored.get(owner);
                DataKey k = w != null ? envelope.unwrap(owner, w) : envelope.newDataKey(owner, keyIdPrefix());
                if (w == null) {
                    toPut.put(owner, k.wrapped());
                }
                keys.put(id, k);
                out.put(id, k);
            }
            keyStore.putAll(toPut);
        } catch (EnvelopeException e) {
            throw new StoreException(UNREADABLE, e.getMessage());
        } catch (IllegalStateException e) {
            unknown.forEach(keys::remove); // a key that was not stored must not be used
            throw new StoreUnavailableException("the restoration key store did not answer: " + e.getMessage(), e);
        }
        return out;
    }

    /** The request's restoration key for this phase, or null when there is none (never made, or shredded). */
    private DataKey keyIfAny(UUID requestId) {
        try {
            return existingKey(requestId);
        } catch (StoreException e) {
            if (WINDOW_ENDED.equals(e.code())) {
                return null;
            }
            throw e;
        }
    }

    private DataKey existingKey(UUID requestId) {
        DataKey cached = keys.get(requestId);
        if (cached != null) {
            return cached;
        }
        UUID owner = owner(requestId, phase);
        Optional<WrappedKey> w;
        try {
            w = keyStore.get(owner);
        } catch (IllegalStateException e) {
            throw new StoreUnavailableException("the restoration key store did not answer: " + e.getMessage(), e);
        }
        if (w.isEmpty()) {
            throw new StoreException(WINDOW_ENDED, "the undo window of request " + requestId + " ended: its restoration key for "
                    + phase + " was shredded, what was kept can no longer be opened");
        }
        try {
            DataKey k = envelope.unwrap(owner, w.get());
            keys.put(requestId, k);
            return k;
        } catch (EnvelopeException e) {
            throw new StoreException(UNREADABLE, e.getMessage());
        }
    }

    /**
     * Ends the window of every restoration key of this phase made more than {@code window} ago: shreds it (a
     * tombstone on the key topic), and one key-topic segment later writes a roll marker (the physical bound,
     * docs/privacy.md). Returns the number shredded.
     */
    public synchronized int shredExpired() {
        Instant now = clock.instant();
        if (rollMarkerDue != null && !now.isBefore(rollMarkerDue)) {
            keyStore.writeRollMarker();
            rollMarkerDue = null;
        }
        int shredded = 0;
        String prefix = keyIdPrefix() + "-";
        for (Map.Entry<UUID, WrappedKey> e : keyStore.all().entrySet()) {
            WrappedKey k = e.getValue();
            if (k.keyId().startsWith(prefix) && !k.createdAt().plus(settings.window()).isAfter(now)) {
                keyStore.shred(e.getKey());
                shredded++;
            }
        }
        if (shredded > 0) {
            keys.values().forEach(DataKey::close);
            keys.clear(); // the cache holds only keys of requests in flight; re-read from the store when needed
            if (rollMarkerDue == null) {
                rollMarkerDue = now.plus(settings.keyTopic().segment());
            }
            log.info("undo window ended for {} restoration key(s) of phase {}", shredded, phase);
        }
        return shredded;
    }

    private byte[] aad(UUID requestId, String target) {
        return ("erasure-restoration/v1|" + requestId + "|" + phase.name() + "|" + target).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] encode(UUID requestId, String target, String keyId, byte[] sealed) {
        ObjectNode n = JSON.createObjectNode();
        n.put("requestId", requestId.toString());
        n.put("phase", phase.name());
        n.put("target", target);
        n.put("keyId", keyId);
        n.put("sealed", Base64.getEncoder().encodeToString(sealed));
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise a restoration record");
        }
    }

    @Override
    public synchronized void close() {
        keys.values().forEach(DataKey::close);
        keys.clear();
        producer.close(Duration.ofSeconds(5));
        keyStore.close();
    }
}
