package org.erasure.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.erasure.e2e.SinkKind;

/**
 * The faults of one run at seeded random moments: the same seed gives the same faults at the same
 * offsets from the start of the traffic (the machine's speed still varies, so not the same interleaving).
 */
public record FaultPlan(long seed, List<PlannedFault> faults) {

    /** What is done to the system, and for how long. */
    public enum Kind {
        /** SIGKILL of one sink, restarted at once with the same command line. */
        SINK_KILL,
        /** SIGKILL of the verifier, restarted at once with the same command line (same state dir). */
        VERIFIER_KILL,
        /** PostgreSQL stopped, started again on the same port and data after {@link PlannedFault#length()}. */
        POSTGRES_STOP,
        /** The Kafka broker stopped and started again at once on the same port and data. */
        KAFKA_RESTART,
        /** The TCP proxy in front of Elasticsearch cut for {@link PlannedFault#length()}. */
        ELASTICSEARCH_CUT,
        /** The TCP proxy in front of ClickHouse cut for {@link PlannedFault#length()}. */
        CLICKHOUSE_CUT
    }

    /**
     * @param sink   the sink a {@link Kind#SINK_KILL} kills, else null
     * @param at     offset from the start of the traffic
     * @param length how long the server stays away (zero: restarted at once)
     */
    public record PlannedFault(Kind kind, SinkKind sink, Duration at, Duration length) {
        public String label() {
            return kind == Kind.SINK_KILL ? "SIGKILL sink-" + sink.id() : switch (kind) {
                case VERIFIER_KILL -> "SIGKILL verifier";
                case POSTGRES_STOP -> "PostgreSQL stopped " + length.toSeconds() + " s";
                case KAFKA_RESTART -> "Kafka broker restart";
                case ELASTICSEARCH_CUT -> "Elasticsearch cut " + length.toSeconds() + " s";
                case CLICKHOUSE_CUT -> "ClickHouse cut " + length.toSeconds() + " s";
                case SINK_KILL -> throw new AssertionError();
            };
        }
    }

    /**
     * Three sink kills, one verifier kill, PostgreSQL stopped, one broker restart, Elasticsearch and
     * ClickHouse cut, each starting at a random moment in {@code [from, until)}.
     */
    public static FaultPlan random(long seed, Duration from, Duration until, Duration outage) {
        Random random = new Random(seed);
        long span = until.toMillis() - from.toMillis();
        List<PlannedFault> faults = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SinkKind sink = SinkKind.values()[random.nextInt(SinkKind.values().length)];
            faults.add(new PlannedFault(Kind.SINK_KILL, sink, at(random, from, span), Duration.ZERO));
        }
        faults.add(new PlannedFault(Kind.VERIFIER_KILL, null, at(random, from, span), Duration.ZERO));
        faults.add(new PlannedFault(Kind.POSTGRES_STOP, null, at(random, from, span), outage));
        faults.add(new PlannedFault(Kind.KAFKA_RESTART, null, at(random, from, span), Duration.ZERO));
        faults.add(new PlannedFault(Kind.ELASTICSEARCH_CUT, null, at(random, from, span), outage));
        faults.add(new PlannedFault(Kind.CLICKHOUSE_CUT, null, at(random, from, span), outage));
        faults.sort(Comparator.comparing(PlannedFault::at));
        return new FaultPlan(seed, List.copyOf(faults));
    }

    private static Duration at(Random random, Duration from, long spanMillis) {
        return from.plusMillis((long) (random.nextDouble() * spanMillis));
    }

    public String describe() {
        StringBuilder out = new StringBuilder("fault plan (seed " + seed + "):\n");
        for (PlannedFault f : faults) {
            out.append(String.format("  t+%5.1f s  %s%n", f.at().toMillis() / 1000.0, f.label()));
        }
        return out.toString();
    }
}
