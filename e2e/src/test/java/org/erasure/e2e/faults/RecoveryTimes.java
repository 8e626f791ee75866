package org.erasure.e2e.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import org.erasure.e2e.faults.FaultInjector.Executed;
import org.erasure.e2e.faults.ProgressTimeline.Final;
import org.erasure.e2e.faults.ProgressTimeline.Report;
import org.erasure.events.Phase;

/**
 * How long each fault kept its service from working, measured from the end of the fault (process
 * restarted, server answering again): to the service's first progress (a committed phase report of
 * that sink; a final record for the verifier and the broker), and to its backlog back at 0 once it
 * has made that progress (every request due to it by then is done). A request is due to a sink when ingest accepted it, to the
 * verifier when all five phases reported, to the whole pipeline (broker restart) when accepted.
 */
final class RecoveryTimes {

    /** Times in seconds; null when it did not happen before the end of the run. */
    record Row(String fault, double at, double down, String service, long backlogAtEnd, Double firstProgress, Double caughtUp,
               String problem) {}

    private RecoveryTimes() {}

    static List<Row> of(List<Executed> faults, ProgressTimeline timeline, long origin) {
        Map<UUID, Long> accepted = timeline.accepted();
        List<Report> reports = timeline.reports();
        List<Final> finals = timeline.finals();
        Map<Phase, Map<UUID, Long>> firstReport = new HashMap<>();
        for (Report r : reports) {
            firstReport.computeIfAbsent(r.phase(), p -> new HashMap<>()).merge(r.requestId(), r.atNanos(), Math::min);
        }
        Map<UUID, Long> firstFinal = new HashMap<>();
        finals.forEach(f -> firstFinal.merge(f.requestId(), f.atNanos(), Math::min));
        Map<UUID, Long> allReported = new HashMap<>();
        for (UUID id : accepted.keySet()) {
            long last = 0;
            boolean complete = true;
            for (Phase p : Phase.known()) {
                Long at = firstReport.getOrDefault(p, Map.of()).get(id);
                if (at == null) {
                    complete = false;
                    break;
                }
                last = Math.max(last, at);
            }
            if (complete) {
                allReported.put(id, last);
            }
        }

        List<Row> rows = new ArrayList<>();
        for (Executed e : faults.stream().sorted((a, b) -> Long.compare(a.startNanos(), b.startNanos())).toList()) {
            Map<UUID, Long> due;
            Map<UUID, Long> done;
            List<Long> progress;
            String service;
            Phase phase = switch (e.fault().kind()) {
                case SINK_KILL -> e.fault().sink().phase();
                case POSTGRES_STOP -> Phase.POSTGRES;
                case ELASTICSEARCH_CUT -> Phase.ELASTICSEARCH;
                case CLICKHOUSE_CUT -> Phase.CLICKHOUSE;
                case VERIFIER_KILL, KAFKA_RESTART -> null;
            };
            if (phase != null) {
                service = "sink-" + phase.name().toLowerCase(java.util.Locale.ROOT);
                due = accepted;
                done = firstReport.getOrDefault(phase, Map.of());
                progress = reports.stream().filter(r -> phase.equals(r.phase())).map(Report::atNanos).toList();
            } else if (e.fault().kind() == FaultPlan.Kind.VERIFIER_KILL) {
                service = "verifier";
                due = allReported;
                done = firstFinal;
                progress = finals.stream().map(Final::atNanos).toList();
            } else {
                service = "pipeline (final records)";
                due = accepted;
                done = firstFinal;
                progress = finals.stream().map(Final::atNanos).toList();
            }
            long end = e.endNanos();
            OptionalLong first = progress.stream().mapToLong(Long::longValue).filter(t -> t >= end).min();
            // Caught up only once the service has worked again: right after a restart its backlog can
            // be 0 merely because nothing was due yet.
            Long caughtUp = first.isPresent() ? caughtUp(due, done, first.getAsLong()) : null;
            rows.add(new Row(e.fault().label(), seconds(e.startNanos() - origin), seconds(end - e.startNanos()), service,
                    backlog(due, done, end), first.isPresent() ? seconds(first.getAsLong() - end) : null,
                    caughtUp == null ? null : seconds(caughtUp - end), e.problem()));
        }
        return rows;
    }

    /** Requests due by {@code t} and not done by {@code t}. */
    static long backlog(Map<UUID, Long> due, Map<UUID, Long> done, long t) {
        long n = 0;
        for (Map.Entry<UUID, Long> d : due.entrySet()) {
            if (d.getValue() <= t) {
                Long at = done.get(d.getKey());
                if (at == null || at > t) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The first moment from {@code from} on at which the backlog is 0 (it only shrinks when a request is done). */
    static Long caughtUp(Map<UUID, Long> due, Map<UUID, Long> done, long from) {
        List<Long> candidates = new ArrayList<>();
        candidates.add(from);
        done.values().stream().filter(t -> t >= from).sorted().forEach(candidates::add);
        for (long t : candidates) {
            if (backlog(due, done, t) == 0) {
                return t;
            }
        }
        return null;
    }

    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-30s %8s %8s %-26s %9s %15s %12s%n", "fault", "at (s)", "down (s)", "service",
                "backlog", "1st progress", "backlog 0"));
        for (Row r : rows) {
            out.append(String.format("%-30s %8.1f %8.1f %-26s %9d %15s %12s%s%n", r.fault(), r.at(), r.down(), r.service(),
                    r.backlogAtEnd(), format(r.firstProgress()), format(r.caughtUp()),
                    r.problem() == null ? "" : "  PROBLEM: " + r.problem()));
        }
        return out.toString();
    }

    private static String format(Double seconds) {
        return seconds == null ? "never" : String.format("+%.1f s", seconds);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
