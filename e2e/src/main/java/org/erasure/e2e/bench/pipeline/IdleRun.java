package org.erasure.e2e.bench.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Idle;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.e2e.bench.pipeline.report.BenchReport.StageLatency;
import org.erasure.events.ErasureReason;
import org.erasure.events.Phase;
import org.erasure.events.Topics;

/**
 * (b) Idle latency: single account closures through ingest, one after another, each waiting for its
 * final record before the next is submitted. The first {@code warmup} requests (JIT, connection
 * pools) are not counted.
 */
final class IdleRun {

    private static final Duration PER_REQUEST = Duration.ofMinutes(2);

    private IdleRun() {}

    static Idle run(DevStack stack, FreshWorld.Seeded seeded, Topics topics, Path logDir, String heap, int requests, int warmup) {
        SampleWorld world = seeded.world();
        List<SampleWorld.Contributor> people = Subjects.of(world, Subjects.spread(requests + warmup, world.size()));
        Progress.say("idle: starting the services");
        try (PipelineSession session = PipelineSession.start(stack, topics, logDir, heap)) {
            Map<String, Long> cpuBefore = session.cpuTicks();
            List<Double> latencies = new ArrayList<>();
            Map<String, List<Double>> stages = new LinkedHashMap<>();
            Map<String, Long> outcomes = new TreeMap<>();
            int missing = 0;
            for (int i = 0; i < people.size(); i++) {
                long t0 = System.nanoTime();
                UUID id = session.ingest().submitOne(people.get(i), ErasureReason.ACCOUNT_CLOSED);
                long accepted = System.nanoTime();
                TopicWatcher.Final f = awaitFinal(session, id);
                if (i < warmup) {
                    continue;
                }
                if (f == null) {
                    missing++;
                    Progress.say("idle: no final record for request %d within %s", i - warmup + 1, PER_REQUEST);
                    continue;
                }
                latencies.add((f.arrivedNanos() - t0) / 1e9);
                stages.computeIfAbsent("ACCEPT", k -> new ArrayList<>()).add((accepted - t0) / 1e9);
                long lastResult = t0;
                for (Phase phase : Phase.values()) {
                    Long at = session.watcher().reportArrival(phase, id);
                    if (at != null) {
                        stages.computeIfAbsent(phase.name(), k -> new ArrayList<>()).add((at - t0) / 1e9);
                        lastResult = Math.max(lastResult, at);
                    }
                }
                stages.computeIfAbsent("SEALING", k -> new ArrayList<>()).add((f.arrivedNanos() - lastResult) / 1e9);
                outcomes.merge(f.outcome(), 1L, Long::sum);
                if ((i - warmup + 1) % 10 == 0) {
                    Progress.say("idle: %d of %d, p50 so far %.3f s", i - warmup + 1, requests, Percentiles.of(latencies, 50));
                }
            }
            List<ServiceUsage> usage = session.usage(cpuBefore);
            return new Idle(requests, warmup, ErasureReason.ACCOUNT_CLOSED.name(), latencies,
                    nullIfNaN(Percentiles.of(latencies, 50)), nullIfNaN(Percentiles.of(latencies, 99)),
                    latencies.stream().mapToDouble(Double::doubleValue).max().stream().boxed().findFirst().orElse(null),
                    latencies.stream().mapToDouble(Double::doubleValue).average().stream().boxed().findFirst().orElse(null),
                    missing, outcomes, usage, seeded.seed(), stages.entrySet().stream()
                            .map(e -> new StageLatency(e.getKey(), nullIfNaN(Percentiles.of(e.getValue(), 50)),
                                    nullIfNaN(Percentiles.of(e.getValue(), 99)), e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)))
                            .toList());
        }
    }

    private static TopicWatcher.Final awaitFinal(PipelineSession session, UUID id) {
        long deadline = System.nanoTime() + PER_REQUEST.toNanos();
        while (System.nanoTime() < deadline) {
            TopicWatcher.Final f = session.watcher().finalOf(id);
            if (f != null) {
                return f;
            }
            session.checkAlive();
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return null;
    }

    static Double nullIfNaN(double value) {
        return Double.isNaN(value) ? null : value;
    }
}
