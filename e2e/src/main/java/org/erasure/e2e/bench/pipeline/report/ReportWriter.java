package org.erasure.e2e.bench.pipeline.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Burst;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.e2e.bench.pipeline.report.BenchReport.SinkTiming;
import org.erasure.e2e.bench.pipeline.report.BenchReport.StoreRun;
import org.erasure.e2e.bench.pipeline.report.SvgCharts.Bar;
import org.erasure.e2e.bench.pipeline.report.SvgCharts.Chart;
import org.erasure.e2e.bench.pipeline.report.SvgCharts.Series;

/**
 * Writes a run's {@code report.json}, {@code report.html} (self-contained: inline SVG and CSS, no
 * script), {@code chart.svg} (the same charts as one picture) and {@code report.md} (the tables, for
 * a README).
 */
public final class ReportWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String OLD = "#9e9e9e";
    private static final String PIPELINE = "#1f77b4";
    private static final String SINK = "#8fb8dc";
    private static final String BOUND = "#2ca02c";
    private static final String STORE = "#a6d89b";
    private static final String INTERACTIVE = "#ff7f0e";

    static final String SAME_WORK_NOTE = "Elasticsearch: the final records count a document once for every erased person it names"
            + " (a unit judged by three erased people counts three times); the lower bound counts documents updated.";

    private ReportWriter() {}

    public static void write(BenchReport report, Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve("report.json").toFile(), report);
            List<Chart> charts = charts(report);
            Files.writeString(dir.resolve("chart.svg"), SvgCharts.stack(charts));
            Files.writeString(dir.resolve("report.html"), html(report, charts));
            Files.writeString(dir.resolve("report.md"), markdown(report));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report to " + dir, e);
        }
    }

    /** The burst the ratios are about: the one of --requests (the head-of-line burst). */
    public static Burst mainBurst(BenchReport report) {
        return report.bursts().stream().filter(b -> b.headOfLine() != null).findFirst()
                .orElse(report.bursts().stream().filter(b -> b.requests() == report.settings().requests()).findFirst().orElse(null));
    }

    static List<Chart> charts(BenchReport r) {
        List<Chart> charts = new ArrayList<>();
        Burst main = mainBurst(r);
        List<Bar> bars = new ArrayList<>();
        int n = main != null ? main.requests() : r.settings().requests();
        if (r.oldWay() != null) {
            bars.add(new Bar("old way, one at a time (extrapolated)", r.oldWay().extrapolatedSeconds(), OLD,
                    seconds(r.oldWay().extrapolatedSeconds()) + " (from " + r.oldWay().subset() + " measured)"));
        }
        if (main != null) {
            bars.add(new Bar("pipeline: last final record", main.lastFinalSeconds(), PIPELINE,
                    main.complete() ? seconds(main.lastFinalSeconds()) : "not done: " + main.finals() + "/" + main.requests() + " final"));
            for (SinkTiming s : main.sinks()) {
                bars.add(new Bar("  sink " + s.phase().toLowerCase(Locale.ROOT) + ": last PhaseCompleted", s.lastSeconds(), SINK,
                        s.lastSeconds() != null ? seconds(s.lastSeconds()) : "not done: " + s.reported() + "/" + main.requests()));
            }
        }
        if (r.lowerBound() != null) {
            bars.add(new Bar("lower bound: bulk, stores in parallel", r.lowerBound().seconds(), BOUND, seconds(r.lowerBound().seconds())));
            for (StoreRun s : r.lowerBound().stores()) {
                bars.add(new Bar("  " + s.store() + " bulk", s.seconds(), STORE, seconds(s.seconds())));
            }
        }
        if (main != null && main.headOfLine() != null) {
            bars.add(new Bar("account closure during the burst", main.headOfLine().latencySeconds(), INTERACTIVE,
                    main.headOfLine().latencySeconds() != null ? seconds(main.headOfLine().latencySeconds()) : "no final record"));
        }
        if (r.idle() != null) {
            bars.add(new Bar("idle single request p50", r.idle().p50(), INTERACTIVE, seconds(r.idle().p50())));
            bars.add(new Bar("idle single request p99", r.idle().p99(), INTERACTIVE, seconds(r.idle().p99())));
        }
        if (!bars.isEmpty()) {
            charts.add(SvgCharts.logBars(String.format(Locale.ROOT, "Erasing %,d of %,d contributors (%s), seconds, log scale",
                    n, r.settings().contributors(), r.settings().dataset()), "seconds (log scale)", bars));
        }
        List<Burst> bursts = r.bursts().stream().filter(b -> b.wallSecondsPerErasure() != null).toList();
        if (!bursts.isEmpty()) {
            charts.add(SvgCharts.groupedBars("Cost per erasure by burst size (ms per request)", "ms per request",
                    bursts.stream().map(b -> String.format(Locale.ROOT, "%,d requests", b.requests())).toList(),
                    List.of(new Series("wall time / request", PIPELINE, bursts.stream().map(b -> b.wallSecondsPerErasure() * 1000).toList()),
                            new Series("CPU, services / request", SINK, bursts.stream().map(b -> b.servicesCpuSeconds() / b.requests() * 1000).toList()),
                            new Series("CPU, services + stores / request", OLD, bursts.stream()
                                    .map(b -> b.cpuSecondsPerErasure() == null ? null : b.cpuSecondsPerErasure() * 1000).toList())),
                    null, null));
        }
        if (main != null && !main.services().isEmpty()) {
            List<ServiceUsage> services = main.services();
            charts.add(SvgCharts.groupedBars(String.format(Locale.ROOT, "Memory per service during the %,d burst (MB)", main.requests()), "MB",
                    services.stream().map(ServiceUsage::service).toList(),
                    List.of(new Series("peak heap used (/metrics)", PIPELINE, services.stream().map(s -> mb(s.peakHeapBytes())).toList()),
                            new Series("peak RSS (VmHWM)", OLD, services.stream().map(s -> mb(s.peakRssBytes())).toList())),
                    heapLimitMb(r.settings().serviceHeap()), "-Xmx" + r.settings().serviceHeap()));
        }
        return charts;
    }

    private static Double heapLimitMb(String heap) {
        String h = heap.toLowerCase(Locale.ROOT);
        double v = Double.parseDouble(h.replaceAll("[^0-9.]", ""));
        return h.endsWith("g") ? v * 1024 : h.endsWith("k") ? v / 1024 : v;
    }

    private static Double mb(long bytes) {
        return bytes < 0 ? null : bytes / 1024.0 / 1024.0;
    }

    static String seconds(Double s) {
        if (s == null) {
            return "-";
        }
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%.1f h", s / 3600);
        }
        if (s >= 100) {
            return String.format(Locale.ROOT, "%,.0f s", s);
        }
        return s >= 1 ? String.format(Locale.ROOT, "%.2f s", s) : String.format(Locale.ROOT, "%.0f ms", s * 1000);
    }

    private static String ratio(Double r) {
        return r == null ? "-" : r >= 10 ? String.format(Locale.ROOT, "%,.0f×", r) : String.format(Locale.ROOT, "%.2f×", r);
    }

    // ---- Markdown (README) ----

    public static String markdown(BenchReport r) {
        StringBuilder md = new StringBuilder();
        BenchReport.Environment e = r.environment();
        md.append(String.format(Locale.ROOT, "Dataset %s (%,d contributors), %d cores, %s RAM, load average %s at start / %s at end (shared machine); %s.%n%n",
                r.settings().dataset(), r.settings().contributors(), e.cores(), gb(e.memoryBytes()), e.loadAverageAtStart(),
                e.loadAverageAtEnd(), e.startedAt()));
        md.append("| workload | measured |\n|---|---|\n");
        for (String[] row : summaryRows(r)) {
            md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" |\n");
        }
        if (!r.bursts().isEmpty()) {
            md.append("\n| burst | accepted by ingest | last final record | postgres | elasticsearch | clickhouse | s3 | redis | kafka | outcomes | ClickHouse mutations | wall / request | CPU / request |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Burst b : r.bursts()) {
                md.append(String.format(Locale.ROOT, "| %,d | %s | %s |", b.requests(), seconds(b.acceptSeconds()),
                        b.complete() ? seconds(b.lastFinalSeconds()) : "not done (" + b.finals() + " final)"));
                for (String phase : List.of("POSTGRES", "ELASTICSEARCH", "CLICKHOUSE", "S3", "REDIS", "KAFKA")) {
                    SinkTiming s = b.sinks().stream().filter(t -> t.phase().equals(phase)).findFirst().orElse(null);
                    md.append(' ').append(s == null ? "-" : s.lastSeconds() != null ? seconds(s.lastSeconds()) : s.reported() + " reported").append(" |");
                }
                md.append(String.format(Locale.ROOT, " %s | %d | %s | %s |%n", b.outcomes(), b.clickhouseMutations(),
                        seconds(b.wallSecondsPerErasure()), seconds(b.cpuSecondsPerErasure())));
            }
        }
        Burst main = mainBurst(r);
        List<String[]> same = sameWork(r);
        if (!same.isEmpty()) {
            md.append(String.format(Locale.ROOT, "%n| store: same work? | pipeline burst of %,d (final records) | lower bound of %,d |%n|---|---|---|%n",
                    main.requests(), r.lowerBound().requests()));
            same.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
            md.append("\n").append(SAME_WORK_NOTE).append("\n");
        }
        if (main != null) {
            md.append(String.format(Locale.ROOT, "%n| service (burst of %,d) | peak heap | peak RSS | CPU |%n|---|---|---|---|%n", main.requests()));
            for (ServiceUsage s : main.services()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f s |%n", s.service(), mbText(s.peakHeapBytes()),
                        mbText(s.peakRssBytes()), s.cpuSeconds()));
            }
        }
        if (r.summary() != null && !r.summary().targets().isEmpty()) {
            md.append("\n| target (issue 9, at M) | goal | measured | |\n|---|---|---|---|\n");
            for (BenchReport.Target t : r.summary().targets()) {
                md.append("| ").append(t.what()).append(" | ").append(t.goal()).append(" | ").append(t.measured()).append(" | ")
                        .append(t.met() == null ? "n/a" : t.met() ? "met" : "**missed**").append(" |\n");
            }
        }
        return md.toString();
    }

    /**
     * What the main burst erased (from its final records) next to what the lower bound erased, per
     * store: equal counts show both did the same work. Empty unless both ran on the same request count.
     */
    static List<String[]> sameWork(BenchReport r) {
        Burst main = mainBurst(r);
        List<String[]> rows = new ArrayList<>();
        if (main == null || r.lowerBound() == null || main.requests() != r.lowerBound().requests()) {
            return rows;
        }
        for (StoreRun store : r.lowerBound().stores()) {
            BenchReport.PhaseTotals t = main.totals().stream().filter(p -> p.phase().equalsIgnoreCase(store.store())).findFirst().orElse(null);
            rows.add(new String[] {store.store(),
                    t == null ? "-" : String.format(Locale.ROOT, "%,d deleted, %,d masked, residual %,d", t.deleted(), t.masked(), t.residual()),
                    String.format(Locale.ROOT, "%,d deleted, %,d masked", store.deleted(), store.masked())});
        }
        return rows;
    }

    private static List<String[]> summaryRows(BenchReport r) {
        List<String[]> rows = new ArrayList<>();
        Burst main = mainBurst(r);
        if (main != null) {
            rows.add(new String[] {String.format(Locale.ROOT, "(a) burst of %,d through ingest → last final record", main.requests()),
                    main.complete() ? seconds(main.lastFinalSeconds()) + " (outcomes " + main.outcomes() + ")"
                            : "not done within " + r.settings().timeout() + ": " + main.finals() + " of " + main.requests() + " final records"});
        }
        if (r.idle() != null) {
            rows.add(new String[] {"(b) idle: " + r.idle().requests() + " single requests, submit → final record",
                    "p50 " + seconds(r.idle().p50()) + ", p99 " + seconds(r.idle().p99()) + ", max " + seconds(r.idle().max())
                            + (r.idle().missing() > 0 ? ", " + r.idle().missing() + " missing" : "")});
            if (r.idle().stages() != null && !r.idle().stages().isEmpty()) {
                rows.add(new String[] {"(b) idle, where the time goes (p50 / p99 from submit; SEALING from the last result)",
                        String.join("; ", r.idle().stages().stream().map(st -> st.stage().toLowerCase(Locale.ROOT) + " "
                                + seconds(st.p50()) + " / " + seconds(st.p99())).toList())});
            }
        }
        if (r.oldWay() != null) {
            rows.add(new String[] {String.format(Locale.ROOT, "(c) old way, one at a time, %,d contributors → extrapolated to %,d",
                    r.oldWay().subset(), r.oldWay().extrapolatedTo()),
                    seconds(r.oldWay().measuredSeconds()) + " measured, " + seconds(r.oldWay().secondsPerContributor())
                            + " per contributor → **" + seconds(r.oldWay().extrapolatedSeconds()) + " (extrapolated)**"});
        }
        if (r.lowerBound() != null) {
            rows.add(new String[] {String.format(Locale.ROOT, "(d) lower bound: %,d in one bulk operation per store, stores in parallel",
                    r.lowerBound().requests()), seconds(r.lowerBound().seconds())});
        }
        if (main != null && main.headOfLine() != null) {
            rows.add(new String[] {"(e) one account closure submitted " + seconds(main.headOfLine().submittedAfterSeconds())
                    + " into the burst → its final record", main.headOfLine().latencySeconds() == null ? "no final record"
                    : seconds(main.headOfLine().latencySeconds())});
        }
        if (r.summary() != null) {
            rows.add(new String[] {"(a)/(c) burst ÷ old way (same run)", ratio(r.summary().burstOverOldWay())
                    + (r.summary().oldWayOverBurst() == null ? "" : " (the pipeline is " + ratio(r.summary().oldWayOverBurst()) + " faster)")});
            rows.add(new String[] {"(a)/(d) burst ÷ lower bound (same run)", ratio(r.summary().burstOverLowerBound())});
        }
        return rows;
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.0f GB", bytes / 1024.0 / 1024 / 1024);
    }

    private static String mbText(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0f MB", bytes / 1024.0 / 1024);
    }

    // ---- HTML ----

    static String html(BenchReport r, List<Chart> charts) {
        StringBuilder h = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Pipeline benchmark</title>
                <style>
                body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
                table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}
                th{background:#f3f3f3}.num{text-align:right}.missed{color:#b00;font-weight:bold}.met{color:#070}
                .note{color:#555;font-size:13px}
                </style></head><body>
                """);
        BenchReport.Environment e = r.environment();
        h.append(String.format(Locale.ROOT, "<h1>Erasure pipeline benchmark: dataset %s (%,d contributors)</h1>%n",
                esc(r.settings().dataset()), r.settings().contributors()));
        h.append(String.format(Locale.ROOT, "<p class=\"note\">%s → %s · %d cores · %s RAM · load average %s at start, %s at end · %s · %s<br>%s<br><code>%s</code></p>%n",
                esc(e.startedAt()), esc(e.finishedAt()), e.cores(), gb(e.memoryBytes()), esc(e.loadAverageAtStart()), esc(e.loadAverageAtEnd()),
                esc(e.java()), esc(e.os()), esc(e.note()), esc(r.settings().command())));
        h.append("<h2>Summary</h2><table><tr><th>workload</th><th>measured</th></tr>");
        for (String[] row : summaryRows(r)) {
            h.append("<tr><td>").append(esc(row[0])).append("</td><td>").append(esc(row[1]).replace("**", "")).append("</td></tr>");
        }
        h.append("</table>\n");
        if (r.summary() != null && !r.summary().targets().isEmpty()) {
            h.append("<h2>Targets (issue 9's \"done when\", stated for dataset M)</h2><table><tr><th>target</th><th>goal</th><th>measured</th><th></th></tr>");
            for (BenchReport.Target t : r.summary().targets()) {
                h.append("<tr><td>").append(esc(t.what())).append("</td><td>").append(esc(t.goal())).append("</td><td>").append(esc(t.measured()))
                        .append("</td><td class=\"").append(t.met() == null ? "" : t.met() ? "met" : "missed").append("\">")
                        .append(t.met() == null ? "n/a" : t.met() ? "met" : "missed").append("</td></tr>");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Charts</h2>\n");
        charts.forEach(c -> h.append("<div>").append(SvgCharts.inline(c)).append("</div>\n"));
        if (!r.bursts().isEmpty()) {
            h.append("<h2>(a) Bursts through ingest</h2>");
            table(h, r.bursts(), List.of("requests", "uploads", "accepted (s)", "last final (s)", "final records", "outcomes",
                            "postgres", "elasticsearch", "clickhouse", "s3", "redis", "kafka", "head-of-line (s)", "ClickHouse mutations",
                            "wall s / request", "CPU s / request (services + stores)", "services CPU (s)", "stores CPU (s)"),
                    b -> List.of(n(b.requests()), n(b.uploads()), f(b.acceptSeconds()), f(b.lastFinalSeconds()), n(b.finals()),
                            b.outcomes().toString(), sink(b, "POSTGRES"), sink(b, "ELASTICSEARCH"), sink(b, "CLICKHOUSE"), sink(b, "S3"),
                            sink(b, "REDIS"), sink(b, "KAFKA"), b.headOfLine() == null ? "-" : f(b.headOfLine().latencySeconds()), n(b.clickhouseMutations()),
                            f4(b.wallSecondsPerErasure()), f4(b.cpuSecondsPerErasure()), f(b.servicesCpuSeconds()), f(b.storesCpuSeconds())));
            h.append("<p class=\"note\">Sink columns: seconds from the first upload to that sink's last PhaseCompleted (or how many it reported). "
                    + "Stores CPU: PostgreSQL, ClickHouse, Redis processes and the benchmark JVM, which hosts Kafka, Elasticsearch and s3proxy.</p>");
            for (Burst b : r.bursts()) {
                h.append(String.format(Locale.ROOT, "<h3>Burst of %,d: services and what the final records say was erased</h3>", b.requests()));
                usageTable(h, b.services());
                table(h, b.totals(), List.of("phase", "deleted", "masked", "residual"),
                        t -> List.of(t.phase(), n(t.deleted()), n(t.masked()), n(t.residual())));
            }
        }
        if (r.idle() != null) {
            h.append("<h2>(b) Idle latency</h2>");
            h.append(String.format(Locale.ROOT, "<p>%d requests (%s) after %d warm-up requests: p50 %s, p99 %s, max %s, mean %s; outcomes %s.</p>",
                    r.idle().requests(), r.idle().reason(), r.idle().warmup(), seconds(r.idle().p50()), seconds(r.idle().p99()),
                    seconds(r.idle().max()), seconds(r.idle().mean()), r.idle().outcomes()));
            h.append("<p class=\"note\">Latencies (s), in submission order: ")
                    .append(String.join(", ", r.idle().latenciesSeconds().stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList()))
                    .append("</p>");
            usageTable(h, r.idle().services());
        }
        if (r.oldWay() != null) {
            h.append("<h2>(c) The old way (extrapolated)</h2>");
            h.append(String.format(Locale.ROOT, "<p>%s. Measured %s for %d contributors; %s per contributor; extrapolated to %,d: <b>%s</b>. ClickHouse mutations issued: %d.</p>",
                    esc(r.oldWay().label()), seconds(r.oldWay().measuredSeconds()), r.oldWay().subset(), seconds(r.oldWay().secondsPerContributor()),
                    r.oldWay().extrapolatedTo(), seconds(r.oldWay().extrapolatedSeconds()), r.oldWay().clickhouseMutations()));
            storeTable(h, r.oldWay().stores(), r.oldWay().subset());
        }
        if (r.lowerBound() != null) {
            h.append("<h2>(d) The lower bound</h2>");
            h.append(String.format(Locale.ROOT, "<p>%,d contributors, one bulk operation per store target, five stores in parallel, no Kafka: <b>%s</b>. ClickHouse mutations issued: %d.</p>",
                    r.lowerBound().requests(), seconds(r.lowerBound().seconds()), r.lowerBound().clickhouseMutations()));
            storeTable(h, r.lowerBound().stores(), 0);
            List<String[]> same = sameWork(r);
            if (!same.isEmpty()) {
                h.append("<p>Same work: what the burst's final records say was erased next to what the lower bound erased.</p>");
                table(h, same, List.of("store", "pipeline burst (final records)", "lower bound"), row -> List.of(row));
                h.append("<p class=\"note\">").append(esc(SAME_WORK_NOTE)).append("</p>");
            }
        }
        h.append("<h2>Fresh world per workload</h2>");
        List<String[]> seeds = new ArrayList<>();
        if (r.lowerBound() != null) {
            seeds.add(seedRow("lower bound", r.lowerBound().seed()));
        }
        if (r.oldWay() != null) {
            seeds.add(seedRow("old way", r.oldWay().seed()));
        }
        if (r.idle() != null) {
            seeds.add(seedRow("idle", r.idle().seed()));
        }
        r.bursts().forEach(b -> seeds.add(seedRow(String.format(Locale.ROOT, "burst %,d", b.requests()), b.seed())));
        table(h, seeds, List.of("workload", "drop previous world (s)", "seed (s)", "seeded"), row -> List.of(row));
        if (!r.notes().isEmpty()) {
            h.append("<h2>Notes</h2><ul>");
            r.notes().forEach(note -> h.append("<li>").append(esc(note)).append("</li>"));
            h.append("</ul>");
        }
        return h.append("</body></html>\n").toString();
    }

    private static String[] seedRow(String name, BenchReport.Seed seed) {
        return new String[] {name, f(seed.wipeSeconds()), f(seed.seedSeconds()), seed.counts().toString()};
    }

    private static String sink(Burst b, String phase) {
        SinkTiming s = b.sinks().stream().filter(t -> t.phase().equals(phase)).findFirst().orElse(null);
        return s == null ? "-" : s.lastSeconds() != null ? f(s.lastSeconds()) : s.reported() + " reported";
    }

    private static void usageTable(StringBuilder h, List<ServiceUsage> services) {
        table(h, services, List.of("service", "peak heap (MB)", "peak RSS (MB)", "CPU (s)"),
                s -> List.of(s.service(), s.peakHeapBytes() < 0 ? "-" : f(s.peakHeapBytes() / 1048576.0),
                        s.peakRssBytes() < 0 ? "-" : f(s.peakRssBytes() / 1048576.0), f(s.cpuSeconds())));
    }

    private static void storeTable(StringBuilder h, List<StoreRun> stores, int perContributorOf) {
        List<String> headers = new ArrayList<>(List.of("store", "seconds", "deleted", "masked"));
        if (perContributorOf > 0) {
            headers.add("ms per contributor");
        }
        table(h, stores, headers, s -> {
            List<String> row = new ArrayList<>(List.of(s.store(), f(s.seconds()), n(s.deleted()), n(s.masked())));
            if (perContributorOf > 0) {
                row.add(f(s.seconds() * 1000 / perContributorOf));
            }
            return row;
        });
    }

    private static <T> void table(StringBuilder h, List<T> rows, List<String> headers, Function<T, List<String>> cells) {
        h.append("<table><tr>");
        headers.forEach(x -> h.append("<th>").append(esc(x)).append("</th>"));
        h.append("</tr>");
        for (T row : rows) {
            h.append("<tr>");
            cells.apply(row).forEach(c -> h.append("<td>").append(esc(c)).append("</td>"));
            h.append("</tr>");
        }
        h.append("</table>\n");
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String f(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f4(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String esc(String s) {
        return SvgCharts.escape(s);
    }
}
