package org.erasure.e2e.bench.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.erasure.e2e.bench.pipeline.report.BenchReport;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Burst;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Summary;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Target;
import org.erasure.e2e.bench.pipeline.report.ReportWriter;

/** Ratios from one run, the targets against what was measured, and notes on what was not. */
final class Summaries {

    private Summaries() {}

    static Summary of(BenchReport r) {
        Burst main = ReportWriter.mainBurst(r);
        Double a = main != null && main.complete() ? main.lastFinalSeconds() : null;
        Double c = r.oldWay() != null ? r.oldWay().extrapolatedSeconds() : null;
        Double d = r.lowerBound() != null ? r.lowerBound().seconds() : null;
        List<Burst> costed = r.bursts().stream().filter(b -> b.complete() && b.wallSecondsPerErasure() != null).toList();
        Double wallSpread = spread(costed.stream().map(Burst::wallSecondsPerErasure).toList());
        Double cpuSpread = spread(costed.stream().map(Burst::cpuSecondsPerErasure).filter(v -> v != null).toList());

        List<Target> targets = new ArrayList<>();
        if (main != null) {
            targets.add(new Target(String.format(Locale.ROOT, "burst of %,d → last final record", main.requests()), "≤ 30 s",
                    a == null ? "not done within the timeout" : seconds(a), a == null ? Boolean.FALSE : a <= 30));
        }
        if (a != null && c != null) {
            targets.add(new Target("old way ÷ burst (same run)", "≥ 300×", times(c / a), c / a >= 300));
        }
        if (a != null && d != null) {
            targets.add(new Target("burst ÷ lower bound (same run)", "≤ 1.3×", times(a / d), a / d <= 1.3));
        }
        if (r.idle() != null && r.idle().p99() != null) {
            targets.add(new Target("idle p99, submit → final record", "≤ 1 s", seconds(r.idle().p99()),
                    r.idle().p99() <= 1 && r.idle().missing() == 0));
        }
        if (main != null && main.headOfLine() != null) {
            Double hol = main.headOfLine().latencySeconds();
            targets.add(new Target("account closure during the burst → its final record", "≤ 3 s",
                    hol == null ? "no final record" : seconds(hol), hol != null && hol <= 3));
        }
        long peakHeap = peakHeap(r);
        if (peakHeap > 0) {
            targets.add(new Target("every service within its heap", "≤ 256 MB (-Xmx" + r.settings().serviceHeap() + ")",
                    String.format(Locale.ROOT, "max peak %.0f MB", peakHeap / 1048576.0), peakHeap <= 256L * 1024 * 1024));
        }
        if (costed.size() >= 2) {
            targets.add(new Target("cost per erasure (wall) across " + costed.stream().map(b -> String.format(Locale.ROOT, "%,d", b.requests())).toList(),
                    "within ±25 %", String.format(Locale.ROOT, "±%.0f %%", wallSpread * 100), wallSpread <= 0.25));
        }
        return new Summary(a, c, d, a != null && c != null ? a / c : null, a != null && c != null ? c / a : null,
                a != null && d != null ? a / d : null, wallSpread, cpuSpread, targets);
    }

    static List<String> notes(BenchReport r) {
        List<String> notes = new ArrayList<>();
        if (!r.settings().dataset().equals("M")) {
            notes.add("The targets are stated for dataset M (100,000 contributors); this run used " + r.settings().dataset()
                    + " (" + String.format(Locale.ROOT, "%,d", r.settings().contributors()) + "), so the met/missed column is indicative only.");
        }
        notes.add("One contributor stays outside every burst (it is (e)'s account closure), so a burst has at most world size - 1 requests.");
        for (Burst b : r.bursts()) {
            if (!b.complete()) {
                List<String> behind = b.sinks().stream().filter(s -> s.lastSeconds() == null)
                        .map(s -> s.phase().toLowerCase(Locale.ROOT) + " " + s.reported() + "/" + b.requests()).toList();
                notes.add(String.format(Locale.ROOT, "Burst of %,d: not done within %s; %d final records; sinks not done: %s.",
                        b.requests(), r.settings().timeout(), b.finals(), behind));
            }
            long notCompleted = b.outcomes().entrySet().stream().filter(e -> !e.getKey().equals("COMPLETED")).mapToLong(java.util.Map.Entry::getValue).sum();
            if (notCompleted > 0) {
                notes.add(String.format(Locale.ROOT, "Burst of %,d: %d final records were not COMPLETED: %s.", b.requests(), notCompleted, b.outcomes()));
            }
        }
        if (r.idle() != null && r.idle().missing() > 0) {
            notes.add("Idle: " + r.idle().missing() + " requests had no final record within 2 minutes (left out of the percentiles).");
        }
        return notes;
    }

    private static long peakHeap(BenchReport r) {
        long peak = -1;
        List<ServiceUsage> all = new ArrayList<>();
        r.bursts().forEach(b -> all.addAll(b.services()));
        if (r.idle() != null) {
            all.addAll(r.idle().services());
        }
        for (ServiceUsage s : all) {
            peak = Math.max(peak, s.peakHeapBytes());
        }
        return peak;
    }

    /** Largest relative distance from the mean; null with fewer than two values. */
    static Double spread(List<Double> values) {
        if (values.size() < 2) {
            return null;
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        return values.stream().mapToDouble(v -> Math.abs(v / mean - 1)).max().orElseThrow();
    }

    private static String seconds(double s) {
        return s >= 1 ? String.format(Locale.ROOT, "%.2f s", s) : String.format(Locale.ROOT, "%.0f ms", s * 1000);
    }

    private static String times(double r) {
        return r >= 10 ? String.format(Locale.ROOT, "%,.0f×", r) : String.format(Locale.ROOT, "%.2f×", r);
    }
}
