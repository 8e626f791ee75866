package org.erasure.cli.report;

import java.util.TreeMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.Totals;

/**
 * The per-store summary printed after {@code submit --wait}, in the style of the script it replaces.
 * Each line counts the records a store's phase erased (deleted + masked: in PostgreSQL the main row may
 * be kept with masked PII, which is its erasure), summed over the final records:
 *
 * <pre>
 * PostgreSQL records deleted: 15        POSTGRES      deleted + masked
 * Elasticsearch documents masked: 42    ELASTICSEARCH masked + deleted
 * ClickHouse records masked: 8          CLICKHOUSE    masked + deleted
 * S3 files deleted: 3                   S3            deleted + masked (object versions)
 * Redis sessions cleared: 12            REDIS         deleted + masked (keys and set memberships)
 * Kafka records tombstoned: 2           KAFKA         deleted (tombstones on compacted topics)
 * </pre>
 *
 * A dry run prints the would-be counts ({@code PostgreSQL records that would be deleted: 15}).
 */
public final class StoreSummary {

    private static final Map<Phase, String[]> LABELS = new TreeMap<>(Map.of(
            Phase.POSTGRES, new String[] {"PostgreSQL records deleted", "PostgreSQL records that would be deleted"},
            Phase.ELASTICSEARCH, new String[] {"Elasticsearch documents masked", "Elasticsearch documents that would be masked"},
            Phase.CLICKHOUSE, new String[] {"ClickHouse records masked", "ClickHouse records that would be masked"},
            Phase.S3, new String[] {"S3 files deleted", "S3 files that would be deleted"},
            Phase.REDIS, new String[] {"Redis sessions cleared", "Redis sessions that would be cleared"},
            Phase.KAFKA, new String[] {"Kafka records tombstoned", "Kafka records that would be tombstoned"}));

    private StoreSummary() {}

    /** The store's line label; a phase this cli does not know (added after it was built) is labelled by its name. */
    public static String label(Phase phase, boolean dryRun) {
        String[] known = LABELS.get(phase);
        if (known == null) {
            return phase.name() + (dryRun ? " records that would be erased" : " records erased");
        }
        return known[dryRun ? 1 : 0];
    }

    /** The known phases plus any other phase the records name (a newer pipeline's), in phase order. */
    public static java.util.SortedSet<Phase> phasesOf(Collection<ErasureCompleted> records) {
        java.util.SortedSet<Phase> phases = new java.util.TreeSet<>(Phase.known());
        for (ErasureCompleted r : records) {
            phases.addAll(r.phases().keySet());
            phases.addAll(r.missingPhases());
        }
        return phases;
    }

    /** Erased (or, in a dry run, would-be-erased) count of one store over the records. */
    public static long count(Collection<ErasureCompleted> records, Phase phase) {
        long n = 0;
        for (ErasureCompleted r : records) {
            PhaseResult p = r.phases().get(phase);
            if (p != null) {
                Totals t = p.totals();
                n += r.mode() == Mode.DRY_RUN ? t.wouldDelete() + t.wouldMask() : t.deleted() + t.masked();
            }
        }
        return n;
    }

    public static Map<Outcome, Long> outcomes(Collection<ErasureCompleted> records) {
        Map<Outcome, Long> m = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            m.put(o, 0L);
        }
        records.forEach(r -> m.merge(r.outcome(), 1L, Long::sum));
        // RESTORED only where there is one: an erasure run's summary reads as it always did.
        m.remove(Outcome.RESTORED, 0L);
        return m;
    }

    public static List<String> lines(Collection<ErasureCompleted> records) {
        boolean dryRun = !records.isEmpty() && records.stream().allMatch(r -> r.mode() == Mode.DRY_RUN);
        List<String> lines = new ArrayList<>();
        for (Phase phase : phasesOf(records)) {
            lines.add(label(phase, dryRun) + ": " + count(records, phase));
        }
        long residual = records.stream().mapToLong(r -> r.totals().residual()).sum();
        if (!dryRun) {
            lines.add("Residual matches after erasure: " + residual);
        }
        StringBuilder o = new StringBuilder("Outcomes:");
        outcomes(records).forEach((k, v) -> o.append(' ').append(k).append(' ').append(v).append(','));
        o.setLength(o.length() - 1);
        lines.add(o.toString());
        for (ErasureCompleted r : records) {
            if (r.outcome() == Outcome.FAILED || r.outcome() == Outcome.TIMED_OUT) {
                lines.add(r.outcome() + ": request " + r.requestId() + " contributor " + r.contributorId()
                        + (r.failedPhases().isEmpty() ? "" : ", failed phases " + failedPhases(r))
                        + (r.missingPhases().isEmpty() ? "" : ", missing phases " + r.missingPhases())
                        + (r.totals().residual() > 0 ? ", residual " + r.totals().residual() : ""));
            }
        }
        return lines;
    }

    /** The failed phases in order, each with the sink's error code where the record has one: {@code S3:STORE_UNAVAILABLE}. */
    public static List<String> failedPhases(ErasureCompleted r) {
        return new java.util.TreeSet<>(r.failedPhases()).stream().map(p -> {
            PhaseResult pr = r.phases().get(p);
            return pr == null || pr.error() == null ? p.name() : p.name() + ":" + pr.error();
        }).toList();
    }
}
