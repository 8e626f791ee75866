package org.erasure.events.integrity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.serde.EventJson;

/**
 * The audit of a completions topic as read (the one implementation; the verifier's {@code ChainAuditor}
 * and {@code erasurectl audit verify} only read the topic and hand the records here). Pure: no I/O.
 *
 * <p>Per partition, in offset order, it reports the first problem: a modified record (HASH_MISMATCH), a
 * removed, reordered or re-sealed one (LINK_BROKEN), an unsealed one (HASH_MISSING), or one that is not
 * a readable {@link ErasureCompleted} (UNREADABLE; the records before it are still verified, so an
 * earlier break is the one reported). A partition whose log starts after offset 0 lost its first records
 * to retention: its first kept record is verified against its own {@code previousHash} (that link cannot
 * be checked; the audit says so). Over all partitions it lists (requestId, revision) pairs that occur more
 * than once: a verifier bug, not tampering, but an auditor must see it.
 */
public final class ChainAudit {
    private ChainAudit() {}

    /** What can be wrong with a record of the chain. */
    public enum Problem { HASH_MISSING, HASH_MISMATCH, LINK_BROKEN, UNREADABLE }

    /** One record as read: the event, or null when the bytes are not a readable {@link ErasureCompleted}. */
    public record Entry(long offset, String key, ErasureCompleted event) {
        /** Parses {@code value}; never throws (an unreadable record is an audit finding, not an error). */
        public static Entry read(long offset, String key, byte[] value) {
            try {
                return new Entry(offset, key, value == null ? null : EventJson.read(value, ErasureCompleted.class));
            } catch (RuntimeException e) {
                return new Entry(offset, key, null);
            }
        }
    }

    /**
     * The first break of one partition.
     *
     * @param index     the record's position among the partition's records read (0-based)
     * @param requestId the record's requestId, or its Kafka key when unreadable (may be null)
     */
    public record Break(int partition, long offset, int index, String requestId, Problem problem, String message) {}

    /**
     * @param startsAfterRetention the log starts after offset 0: the first kept record's link is not checkable
     * @param lastHash             the hash of the partition's last record (null when broken or empty)
     */
    public record PartitionAudit(int partition, int records, boolean startsAfterRetention, String lastHash, Optional<Break> firstBreak) {}

    /** A (requestId, revision) written more than once, with where ({@code partition@offset}). */
    public record Duplicate(String requestId, int revision, List<String> at) {}

    public record Report(String topic, Map<Integer, PartitionAudit> partitions, List<Duplicate> duplicates) {
        public Report {
            partitions = java.util.Collections.unmodifiableMap(new TreeMap<>(partitions));
            duplicates = List.copyOf(duplicates);
        }

        public boolean ok() {
            return firstBreak().isEmpty() && duplicates.isEmpty();
        }

        public int records() {
            return partitions.values().stream().mapToInt(PartitionAudit::records).sum();
        }

        /** The first break, by partition number. */
        public Optional<Break> firstBreak() {
            return breaks().stream().findFirst();
        }

        public List<Break> breaks() {
            return partitions.values().stream().flatMap(p -> p.firstBreak().stream()).toList();
        }

        /** One line per partition and duplicate, then the verdict; what {@code erasurectl audit verify} prints. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            for (PartitionAudit p : partitions.values()) {
                out.add(p.firstBreak().map(b -> "partition " + p.partition() + ": BROKEN at offset " + b.offset() + " (record " + (b.index() + 1)
                                + " of " + p.records() + (b.requestId() == null ? "" : ", requestId " + b.requestId()) + "): " + b.problem() + " - " + b.message())
                        .orElse("partition " + p.partition() + ": OK, " + p.records() + " records"
                                + (p.startsAfterRetention() ? " (starts after retention; first link not checkable)" : "")));
            }
            for (Duplicate d : duplicates) {
                out.add("duplicate: requestId " + d.requestId() + " revision " + d.revision() + " written " + d.at().size() + " times, at " + d.at());
            }
            long broken = partitions.values().stream().filter(p -> p.firstBreak().isPresent()).count();
            if (broken > 0) {
                out.add("Integrity chain BROKEN on " + broken + " of " + partitions.size() + " partitions (" + records() + " records read).");
            } else if (!duplicates.isEmpty()) {
                out.add("Integrity chain intact but " + duplicates.size() + " (requestId, revision) pairs were written more than once ("
                        + records() + " records on " + partitions.size() + " partitions).");
            } else {
                out.add("Integrity chain intact: " + records() + " records on " + partitions.size() + " partitions.");
            }
            return out;
        }

        /** {@link #lines()} as one text. */
        public String summary() {
            return String.join("\n", lines()) + "\n";
        }
    }

    /**
     * Audits the records of a topic.
     *
     * @param byPartition     every record read, per partition in offset order
     * @param logStartOffsets each partition's first offset still on the log (absent = 0)
     */
    public static Report audit(String topic, Map<Integer, List<Entry>> byPartition, Map<Integer, Long> logStartOffsets) {
        Map<Integer, PartitionAudit> audits = new TreeMap<>();
        Map<String, List<String>> revisions = new HashMap<>();
        byPartition.forEach((partition, entries) -> audits.put(partition,
                auditPartition(partition, entries, logStartOffsets.getOrDefault(partition, 0L) > 0, revisions)));
        List<Duplicate> duplicates = new ArrayList<>();
        revisions.forEach((key, at) -> {
            if (at.size() > 1) {
                int sep = key.lastIndexOf('#');
                duplicates.add(new Duplicate(key.substring(0, sep), Integer.parseInt(key.substring(sep + 1)), at));
            }
        });
        duplicates.sort(java.util.Comparator.comparing(Duplicate::requestId).thenComparingInt(Duplicate::revision));
        return new Report(topic, audits, duplicates);
    }

    static PartitionAudit auditPartition(int partition, List<Entry> entries, boolean startsAfterRetention, Map<String, List<String>> revisions) {
        List<ErasureCompleted> chain = new ArrayList<>(entries.size());
        Entry unreadable = null;
        for (Entry e : entries) {
            if (e.event() == null) {
                unreadable = e;
                break;
            }
            chain.add(e.event());
            revisions.computeIfAbsent(e.event().requestId() + "#" + e.event().revision(), k -> new ArrayList<>())
                    .add(partition + "@" + e.offset());
        }
        ChainVerification v = startsAfterRetention && !chain.isEmpty()
                ? IntegrityChain.verify(chain, chain.getFirst().previousHash())
                : IntegrityChain.verify(chain);
        if (v instanceof ChainVerification.Broken broken) {
            Entry at = entries.get(broken.index());
            Break b = new Break(partition, at.offset(), broken.index(), at.event().requestId().toString(),
                    Problem.valueOf(broken.problem().name()),
                    broken.message().replace("record " + broken.index(), "the record at offset " + at.offset()));
            return new PartitionAudit(partition, entries.size(), startsAfterRetention, null, Optional.of(b));
        }
        if (unreadable != null) {
            Break b = new Break(partition, unreadable.offset(), chain.size(), unreadable.key(), Problem.UNREADABLE,
                    "record is not a readable ErasureCompleted");
            return new PartitionAudit(partition, entries.size(), startsAfterRetention, null, Optional.of(b));
        }
        return new PartitionAudit(partition, entries.size(), startsAfterRetention, ((ChainVerification.Ok) v).lastHash(), Optional.empty());
    }
}
