package org.erasure.e2e.bench.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Burst;
import org.erasure.e2e.bench.pipeline.report.BenchReport.HeadOfLine;
import org.erasure.e2e.bench.pipeline.report.BenchReport.PhaseTotals;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.e2e.bench.pipeline.report.BenchReport.SinkTiming;
import org.erasure.events.ErasureReason;
import org.erasure.events.Phase;
import org.erasure.events.Topics;

/**
 * (a) A burst: N INACTIVITY_PURGE requests uploaded to ingest as CSV files (at most
 * {@code uploadSize} rows each, ingest's default limit), as the main job submits them; the clock
 * runs from the first upload to the last final record on erasure.completions, and per sink to its
 * last PhaseCompleted. (e) Optionally, once the burst is accepted, one ACCOUNT_CLOSED request is
 * submitted alone and timed to its own final record.
 */
final class BurstRun {

    private BurstRun() {}

    record Plan(int requests, int uploadSize, boolean headOfLine, Duration headOfLineDelay, Duration timeout) {}

    static Burst run(DevStack stack, FreshWorld.Seeded seeded, Topics topics, Path logDir, String heap, Plan plan) {
        SampleWorld world = seeded.world();
        List<Integer> indices = Subjects.spread(plan.requests(), world.size());
        List<SampleWorld.Contributor> people = Subjects.of(world, indices);
        SampleWorld.Contributor closer = plan.headOfLine() ? world.contributor(Subjects.firstOutside(indices, world.size())) : null;
        Progress.say("burst %d: starting the services", plan.requests());
        try (PipelineSession session = PipelineSession.start(stack, topics, logDir, heap)) {
            StoresCpu storesCpu = new StoresCpu(stack);
            Map<Long, Long> storesBefore = storesCpu.snapshot();
            Map<String, Long> cpuBefore = session.cpuTicks();
            long mutationsBefore = FreshWorld.clickhouseMutations(stack);

            long t0 = System.nanoTime();
            List<UUID> ids = new ArrayList<>();
            int uploads = 0;
            for (int from = 0; from < people.size(); from += plan.uploadSize()) {
                ids.addAll(session.ingest().submitCsv(people.subList(from, Math.min(people.size(), from + plan.uploadSize())),
                        ErasureReason.INACTIVITY_PURGE));
                uploads++;
            }
            double acceptSeconds = (System.nanoTime() - t0) / 1e9;
            Progress.say("burst %d: accepted by ingest in %.2f s (%d uploads)", plan.requests(), acceptSeconds, uploads);

            UUID closure = null;
            long closureSubmitted = 0;
            if (closer != null) {
                LockSupport.parkNanos(plan.headOfLineDelay().toNanos());
                closureSubmitted = System.nanoTime();
                closure = session.ingest().submitOne(closer, ErasureReason.ACCOUNT_CLOSED);
            }

            long deadline = t0 + plan.timeout().toNanos();
            long nextProgress = System.nanoTime();
            boolean complete = false;
            while (System.nanoTime() < deadline) {
                session.checkAlive();
                complete = session.watcher().finalsAmong(ids) == ids.size()
                        && (closure == null || session.watcher().finalOf(closure) != null);
                if (complete) {
                    break;
                }
                if (System.nanoTime() >= nextProgress) {
                    Progress.say("burst %d: %s", plan.requests(), progressLine(session.watcher(), ids, t0));
                    nextProgress = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            TopicWatcher watcher = session.watcher();
            OptionalLong last = watcher.lastFinal(ids);
            Double lastFinalSeconds = last.isPresent() ? (last.getAsLong() - t0) / 1e9 : null;
            Progress.say("burst %d: %s", plan.requests(), complete ? "done, last final record after " + fmt(lastFinalSeconds) + " s"
                    : "gave up after " + plan.timeout() + ": " + progressLine(watcher, ids, t0));

            List<SinkTiming> sinks = new ArrayList<>();
            for (Phase phase : Phase.values()) {
                OptionalLong lastReport = watcher.lastReport(phase, ids);
                sinks.add(new SinkTiming(phase.name(), watcher.reportedAmong(phase, ids),
                        lastReport.isPresent() ? (lastReport.getAsLong() - t0) / 1e9 : null));
            }
            Map<String, Long> outcomes = new TreeMap<>();
            Map<String, long[]> totals = new TreeMap<>();
            for (UUID id : ids) {
                TopicWatcher.Final f = watcher.finalOf(id);
                if (f != null) {
                    outcomes.merge(f.outcome(), 1L, Long::sum);
                    f.phaseTotals().forEach((phase, t) -> {
                        long[] acc = totals.computeIfAbsent(phase, k -> new long[3]);
                        for (int i = 0; i < 3; i++) {
                            acc[i] += t[i];
                        }
                    });
                }
            }
            HeadOfLine headOfLine = null;
            if (closure != null) {
                TopicWatcher.Final f = watcher.finalOf(closure);
                headOfLine = new HeadOfLine(ErasureReason.ACCOUNT_CLOSED.name(), (closureSubmitted - t0) / 1e9,
                        f == null ? null : (f.arrivedNanos() - closureSubmitted) / 1e9, f == null ? null : f.outcome());
                Progress.say("burst %d: head-of-line %s request: %s", plan.requests(), ErasureReason.ACCOUNT_CLOSED,
                        f == null ? "no final record" : "final record after " + fmt(headOfLine.latencySeconds()) + " s");
            }
            List<ServiceUsage> usage = session.usage(cpuBefore);
            double storesSeconds = StoresCpu.secondsBetween(storesBefore, storesCpu.snapshot());
            double servicesSeconds = usage.stream().mapToDouble(ServiceUsage::cpuSeconds).sum();
            long mutations = FreshWorld.clickhouseMutations(stack) - mutationsBefore;
            return new Burst(ids.size(), uploads, acceptSeconds, lastFinalSeconds, watcher.finalsAmong(ids), complete, outcomes,
                    sinks, totals.entrySet().stream().map(e -> new PhaseTotals(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2])).toList(),
                    headOfLine, mutations, usage, servicesSeconds, storesSeconds,
                    lastFinalSeconds == null ? null : lastFinalSeconds / ids.size(),
                    complete ? (servicesSeconds + storesSeconds) / ids.size() : null, seeded.seed());
        }
    }

    private static String progressLine(TopicWatcher watcher, List<UUID> ids, long t0) {
        StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%.0f s: final records %d/%d; reported:",
                (System.nanoTime() - t0) / 1e9, watcher.finalsAmong(ids), ids.size()));
        for (Phase phase : Phase.values()) {
            line.append(' ').append(phase.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(watcher.reportedAmong(phase, ids));
        }
        return line.toString();
    }

    static String fmt(Double seconds) {
        return seconds == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f", seconds);
    }
}
