package org.erasure.e2e.bench.pipeline.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one run of the pipeline benchmark measured; written as {@code report.json} and
 * rendered as {@code report.html}. Times are seconds; a null time means "did not finish within
 * the timeout" (see {@code complete} / counts next to it).
 */
public record BenchReport(
        Environment environment,
        Settings settings,
        LowerBound lowerBound,
        OldWay oldWay,
        Idle idle,
        List<Burst> bursts,
        Summary summary,
        List<String> notes) {

    public record Environment(String startedAt, String finishedAt, int cores, long memoryBytes,
                              String loadAverageAtStart, String loadAverageAtEnd, String java, String os,
                              Map<String, String> servers, String note) {}

    public record Settings(String dataset, int contributors, int requests, List<Integer> burstSizes, int idleRequests,
                           int idleWarmup, int oldWaySubset, String serviceHeap, String timeout, int s3Listers,
                           String headOfLineDelay, String command) {}

    /** How long dropping the previous world and seeding the fresh one took, and what was seeded. */
    public record Seed(double wipeSeconds, double seedSeconds, Map<String, Map<String, Long>> counts) {}

    /** One store's share of a direct erasure: its time and what it changed. */
    public record StoreRun(String store, double seconds, long deleted, long masked) {}

    /** (d) one bulk operation per store for the whole set, stores in parallel, no Kafka. */
    public record LowerBound(int requests, double seconds, List<StoreRun> stores, long clickhouseMutations, Seed seed) {}

    /** (c) one contributor at a time, store after store, measured on a subset and extrapolated. */
    public record OldWay(int subset, double measuredSeconds, double secondsPerContributor, List<StoreRun> stores,
                         int extrapolatedTo, double extrapolatedSeconds, String label, long clickhouseMutations, Seed seed) {}

    /** (b) single requests one after another through ingest, submit to final record. */
    public record Idle(int requests, int warmup, String reason, List<Double> latenciesSeconds, Double p50, Double p99,
                       Double max, Double mean, int missing, Map<String, Long> outcomes, List<ServiceUsage> services,
                       Seed seed, List<StageLatency> stages) {}

    /**
     * Where an idle request's time goes: per phase, submit → that sink's result on the topic; {@code SEALING},
     * the last result → the final record (the verifier); {@code ACCEPT}, submit → ingest's answer.
     */
    public record StageLatency(String stage, Double p50, Double p99, Double max) {}

    /** Per sink: how many of the burst's requests it reported, and when the last report arrived. */
    public record SinkTiming(String phase, int reported, Double lastSeconds) {}

    /** What the final records say was erased, per phase. */
    public record PhaseTotals(String phase, long deleted, long masked, long residual) {}

    /** (e) one interactive request submitted alone while the burst was being worked off. */
    public record HeadOfLine(String reason, double submittedAfterSeconds, Double latencySeconds, String outcome) {}

    /** Peak heap (sampled from /metrics), peak RSS (VmHWM) and CPU time of one service process. */
    public record ServiceUsage(String service, long peakHeapBytes, long peakRssBytes, double cpuSeconds) {}

    /** (a) a burst of requests through ingest (CSV uploads of INACTIVITY_PURGE requests). */
    public record Burst(int requests, int uploads, double acceptSeconds, Double lastFinalSeconds, int finals,
                        boolean complete, Map<String, Long> outcomes, List<SinkTiming> sinks, List<PhaseTotals> totals,
                        HeadOfLine headOfLine, long clickhouseMutations, List<ServiceUsage> services,
                        double servicesCpuSeconds, double storesCpuSeconds, Double wallSecondsPerErasure,
                        Double cpuSecondsPerErasure, Seed seed) {}

    /** One line of the "done when" list, measured in this run. */
    public record Target(String what, String goal, String measured, Boolean met) {}

    public record Summary(Double burstSeconds, Double oldWayExtrapolatedSeconds, Double lowerBoundSeconds,
                          Double burstOverOldWay, Double oldWayOverBurst, Double burstOverLowerBound,
                          Double wallCostSpread, Double cpuCostSpread, List<Target> targets) {}
}
