package org.erasure.keys;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The compacted topic holding the wrapped keys, and the settings that bound how long a shredded key
 * physically survives on the broker.
 *
 * <p>A shred is a tombstone. Kafka never cleans the active segment, so the tombstone's segment must
 * roll first: {@code segment.ms} after its first record, at the next write (the shredding job writes a
 * {@link KafkaKeyStore#ROLL_MARKER} when the topic is otherwise idle). A rolled segment holding a
 * tombstone is cleanable at once ({@code min.compaction.lag.ms} = 0) and must be cleaned within
 * {@code max.compaction.lag.ms}; the cleaner looks every {@code log.cleaner.backoff.ms} (broker, 15 s
 * by default) and the replaced segment files are deleted {@code file.delete.delay.ms} later. Hence
 * {@link #keyRemovalBound()}. The tombstone itself stays {@code delete.retention.ms} longer (it holds no key).
 *
 * @param name                 topic name, default {@code erasure.request-keys}
 * @param partitions           partitions when the topic is created
 * @param replicationFactor    replication when created; 0 or less = the broker's default
 * @param segment              {@code segment.ms}
 * @param maxCompactionLag     {@code max.compaction.lag.ms}
 * @param deleteRetention      {@code delete.retention.ms}
 * @param fileDeleteDelay      {@code file.delete.delay.ms}
 */
public record KeyTopic(String name, int partitions, short replicationFactor, Duration segment, Duration maxCompactionLag,
        Duration deleteRetention, Duration fileDeleteDelay) {

    public static final String DEFAULT_NAME = "erasure.request-keys";
    /** The broker's default {@code log.cleaner.backoff.ms}: how long an idle cleaner waits before looking again. */
    public static final Duration CLEANER_BACKOFF = Duration.ofSeconds(15);

    public KeyTopic {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
        positive(segment, "segment");
        positive(maxCompactionLag, "max-compaction-lag");
        Objects.requireNonNull(deleteRetention, "delete-retention");
        Objects.requireNonNull(fileDeleteDelay, "file-delete-delay");
    }

    /** Defaults: 1 h segments, 1 h max compaction lag, 1 h tombstone retention, 1 min file delete delay. */
    public static KeyTopic defaults() {
        return new KeyTopic(DEFAULT_NAME, 3, (short) -1, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofMinutes(1));
    }

    /** The topic configuration this store creates the topic with. */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", "compact");
        c.put("segment.ms", Long.toString(segment.toMillis()));
        c.put("min.compaction.lag.ms", "0");
        c.put("max.compaction.lag.ms", Long.toString(maxCompactionLag.toMillis()));
        c.put("delete.retention.ms", Long.toString(deleteRetention.toMillis()));
        c.put("file.delete.delay.ms", Long.toString(fileDeleteDelay.toMillis()));
        return c;
    }

    /**
     * Upper bound from a shred to the wrapped key's bytes being gone from the broker's disks, provided the
     * topic is written at least once per {@code segment.ms} after the shred (which rolls the segment):
     * segment.ms + max.compaction.lag.ms + cleaner backoff + file.delete.delay.ms. Defaults: 2 h 1 min 15 s.
     */
    public Duration keyRemovalBound() {
        return segment.plus(maxCompactionLag).plus(CLEANER_BACKOFF).plus(fileDeleteDelay);
    }

    /** {@link #keyRemovalBound()} plus delete.retention.ms: when not even the tombstone remains. */
    public Duration tombstoneRemovalBound() {
        return keyRemovalBound().plus(deleteRetention);
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}
