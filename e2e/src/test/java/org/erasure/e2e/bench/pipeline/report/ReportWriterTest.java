package org.erasure.e2e.bench.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Burst;
import org.erasure.e2e.bench.pipeline.report.BenchReport.HeadOfLine;
import org.erasure.e2e.bench.pipeline.report.BenchReport.LowerBound;
import org.erasure.e2e.bench.pipeline.report.BenchReport.OldWay;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Seed;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.e2e.bench.pipeline.report.BenchReport.SinkTiming;
import org.erasure.e2e.bench.pipeline.report.BenchReport.StoreRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    private static final Seed SEED = new Seed(1.0, 20.0, Map.of("postgres", Map.of("rows", 10L)));

    @Test
    void writesJsonAndASelfContainedPageWithTheChartsAndTheTables(@TempDir Path dir) throws Exception {
        Burst burst = new Burst(9_999, 1, 0.8, 95.5, 9_999, true, Map.of("COMPLETED", 9_999L),
                List.of(new SinkTiming("POSTGRES", 9_999, 12.0), new SinkTiming("S3", 9_999, 95.0)), List.of(),
                new HeadOfLine("ACCOUNT_CLOSED", 2.8, 40.2, "COMPLETED"), 63,
                List.of(new ServiceUsage("sink-s3", 120L << 20, 400L << 20, 55.0)), 300, 200, 0.00955, 0.05, SEED);
        BenchReport report = new BenchReport(
                new BenchReport.Environment("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", 2, 24L << 30, "1.0 1.0 1.0",
                        "2.0 2.0 2.0", "Java 25", "Linux", Map.of("kafka", "4.3.1"), "shared <machine>"),
                new BenchReport.Settings("S", 10_000, 9_999, List.of(1_000, 9_999), 50, 5, 100, "256m", "PT30M", 4, "PT2S", "./scripts/bench pipeline"),
                new LowerBound(9_999, 25.0, List.of(new StoreRun("postgres", 0.3, 30_000, 9_999)), 3, SEED),
                new OldWay(100, 120.0, 1.2, List.of(new StoreRun("redis", 80.0, 300, 0)), 9_999, 11_998.8, "extrapolated", 300, SEED),
                null, List.of(burst), null, List.of("a note"));

        ReportWriter.write(report, dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertThat(json.at("/bursts/0/lastFinalSeconds").asDouble()).isEqualTo(95.5);
        assertThat(json.at("/oldWay/extrapolatedSeconds").asDouble()).isEqualTo(11_998.8);
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<svg", "old way, one at a time (extrapolated)", "lower bound: bulk, stores in parallel",
                "account closure during the burst", "shared &lt;machine&gt;", "a note").doesNotContain("<script", "src=", "href=", "<link");
        assertThat(Files.readString(dir.resolve("chart.svg"))).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"");
        assertThat(Files.readString(dir.resolve("report.md"))).contains("| 9,999 | 800 ms | 95.50 s |", "(extrapolated)");
    }
}
