package org.erasure.e2e.bench.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.erasure.devstack.DevStack;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.bench.pipeline.report.BenchReport;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Burst;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Environment;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Idle;
import org.erasure.e2e.bench.pipeline.report.BenchReport.LowerBound;
import org.erasure.e2e.bench.pipeline.report.BenchReport.OldWay;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Settings;
import org.erasure.e2e.bench.pipeline.report.ReportWriter;
import org.erasure.events.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The pipeline benchmark (a command, not a test): the whole pipeline, every service its own process
 * with a small heap, on the real dev-stack servers, against the old one-at-a-time way and the bulk
 * lower bound, each workload on a freshly seeded world. Progress on stderr; the summary on stdout;
 * report.json, report.html, chart.svg and report.md in the results directory.
 */
@Command(name = "bench pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmarks the whole erasure pipeline on the embedded dev-stack: (a) a burst through ingest,",
                "(b) idle latency, (c) the old one-at-a-time way (extrapolated), (d) the bulk lower bound,",
                "(e) one account closure during the burst; peak heap/RSS and CPU per service; cost per erasure by size."})
public final class PipelineBenchmark implements Callable<Integer> {

    /** The sample worlds of issue 9. */
    enum Dataset {
        S(10_000), M(100_000);

        final int contributors;

        Dataset(int contributors) {
            this.contributors = contributors;
        }
    }

    /** What to run; the burst includes (e), the head-of-line request. */
    enum Workload { LOWER_BOUND, OLD_WAY, IDLE, BURST }

    @Option(names = "--dataset", defaultValue = "S", description = "S = 10,000 contributors, M = 100,000 (default: ${DEFAULT-VALUE}).")
    Dataset dataset;

    @Option(names = "--contributors", description = "Override the dataset's world size (e.g. 2000 for a quick look).")
    Integer contributors;

    @Option(names = "--requests", defaultValue = "10000",
            description = "Burst size of (a), (d) and the extrapolation of (c); capped at the world size - 1 (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--sizes", split = ",", defaultValue = "1000,10000,100000",
            description = "Burst sizes for the cost per erasure; each capped at the world size - 1, duplicates dropped (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--workloads", split = ",", defaultValue = "lower-bound,old-way,idle,burst",
            description = "Which to run, in this order: lower-bound, old-way, idle, burst (default: ${DEFAULT-VALUE}).",
            converter = WorkloadConverter.class)
    List<Workload> workloads;

    @Option(names = "--idle-requests", defaultValue = "50", description = "Measured single requests of (b) (default: ${DEFAULT-VALUE}).")
    int idleRequests;

    @Option(names = "--idle-warmup", defaultValue = "5", description = "Unmeasured single requests before them (default: ${DEFAULT-VALUE}).")
    int idleWarmup;

    @Option(names = "--old-way-subset", defaultValue = "100", description = "Contributors erased the old way, then extrapolated (default: ${DEFAULT-VALUE}).")
    int oldWaySubset;

    @Option(names = "--upload-size", defaultValue = "10000", description = "Rows per CSV upload to ingest (its max-items; default: ${DEFAULT-VALUE}).")
    int uploadSize;

    @Option(names = "--heap", defaultValue = "256m", description = "-Xmx of every service process (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up waiting for one burst's final records after (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--head-of-line-delay", defaultValue = "PT2S",
            description = "Submit (e)'s account closure this long after the burst was accepted (default: ${DEFAULT-VALUE}).")
    Duration headOfLineDelay;

    @Option(names = "--s3-listers", defaultValue = "4", description = "Parallel S3 listings of the lower bound (default: ${DEFAULT-VALUE}).")
    int s3Listers;

    @Option(names = "--out", description = "Results directory (default: e2e/target/pipeline-bench/<dataset>-<time>).")
    Path out;

    private final String commandLine;

    PipelineBenchmark(String commandLine) {
        this.commandLine = commandLine;
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "bench-logback.xml");
        }
        String command = "./scripts/bench pipeline " + String.join(" ", args);
        CommandLine cli = new CommandLine(new PipelineBenchmark(command.strip())).setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() {
        int size = contributors != null ? contributors : dataset.contributors;
        String datasetName = contributors != null ? dataset.name() + " (resized)" : dataset.name();
        int n = Math.min(requests, size - 1); // one contributor stays outside every burst: (e)'s account closure
        TreeSet<Integer> burstSizes = new TreeSet<>();
        sizes.forEach(s -> burstSizes.add(Math.min(s, size - 1)));
        burstSizes.add(n);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = out != null ? out : ProjectLayout.root().resolve("e2e/target/pipeline-bench").resolve(dataset.name() + "-" + stamp);
        Settings settings = new Settings(datasetName, size, n, List.copyOf(burstSizes), idleRequests, idleWarmup,
                Math.min(oldWaySubset, size), heap, timeout.toString(), s3Listers, headOfLineDelay.toString(), commandLine);
        Run run = new Run(settings, dir);
        Progress.say("pipeline benchmark: dataset %s, %,d contributors, bursts %s, results in %s", datasetName, size, burstSizes, dir);

        DevStack stack = DevStack.shared();
        try {
            // Kafka's storage formatter prints to stdout; stdout is for the result table only.
            java.io.PrintStream stdout = System.out;
            System.setOut(System.err);
            try {
                stack.startAll(List.of(DevStack.Service.values()));
            } finally {
                System.setOut(stdout);
            }
            stack.running().forEach(s -> run.servers.put(s.name(), s.version()));
            EnumSet<Workload> chosen = EnumSet.copyOf(workloads);
            if (chosen.contains(Workload.LOWER_BOUND)) {
                run.attempt("lower bound", () -> {
                    FreshWorld.Seeded seeded = seed(stack, size, "lower bound");
                    run.lowerBound = LowerBoundRun.run(stack, seeded, Subjects.spread(n, size), s3Listers);
                });
            }
            if (chosen.contains(Workload.OLD_WAY)) {
                run.attempt("old way", () -> {
                    FreshWorld.Seeded seeded = seed(stack, size, "old way");
                    run.oldWay = OldWayRun.run(stack, seeded, Math.min(oldWaySubset, size), n, s3Listers);
                });
            }
            if (chosen.contains(Workload.IDLE)) {
                run.attempt("idle", () -> {
                    FreshWorld.Seeded seeded = seed(stack, size, "idle");
                    run.idle = IdleRun.run(stack, seeded, topics(stamp, "idle"), dir.resolve("logs/idle"), heap, idleRequests, idleWarmup);
                });
            }
            if (chosen.contains(Workload.BURST)) {
                for (int burst : burstSizes) {
                    run.attempt("burst " + burst, () -> {
                        FreshWorld.Seeded seeded = seed(stack, size, "burst " + burst);
                        run.bursts.add(BurstRun.run(stack, seeded, topics(stamp, "burst-" + burst), dir.resolve("logs/burst-" + burst),
                                heap, new BurstRun.Plan(burst, uploadSize, burst == n, headOfLineDelay, timeout)));
                    });
                }
            }
        } finally {
            run.write();
            stack.close();
        }
        System.out.println(ReportWriter.markdown(run.report()));
        Progress.say("report: %s", dir.resolve("report.html"));
        return run.failures.isEmpty() ? 0 : 1;
    }

    private static FreshWorld.Seeded seed(DevStack stack, int size, String workload) {
        Progress.say("%s: dropping the previous world and seeding %,d contributors", workload, size);
        FreshWorld.Seeded seeded = FreshWorld.reseed(stack, size);
        Progress.say("%s: world ready (dropped in %.1f s, seeded in %.1f s)", workload, seeded.seed().wipeSeconds(), seeded.seed().seedSeconds());
        return seeded;
    }

    /** Each workload on its own topics, consumer groups and verifier state. */
    private static Topics topics(String stamp, String workload) {
        return Topics.withPrefix("bench-" + stamp + "-" + workload + ".");
    }

    /** The results so far; written after every workload, so a crash or Ctrl-C keeps what was measured. */
    private static final class Run {
        final Settings settings;
        final Path dir;
        final String startedAt = Instant.now().toString();
        final String loadAtStart = ProcFs.loadAverage();
        final Map<String, String> servers = new LinkedHashMap<>();
        LowerBound lowerBound;
        OldWay oldWay;
        Idle idle;
        final List<Burst> bursts = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        Run(Settings settings, Path dir) {
            this.settings = settings;
            this.dir = dir;
        }

        BenchReport report() {
            Environment env = new Environment(startedAt, Instant.now().toString(), Runtime.getRuntime().availableProcessors(),
                    ProcFs.memTotalBytes(), loadAtStart, ProcFs.loadAverage(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                    System.getProperty("os.name") + " " + System.getProperty("os.version"), servers,
                    "Every server and service on this one machine, which other work shares: read the numbers as orders of magnitude.");
            BenchReport partial = new BenchReport(env, settings, lowerBound, oldWay, idle, List.copyOf(bursts), null, List.of());
            List<String> notes = new ArrayList<>(failures);
            notes.addAll(Summaries.notes(partial));
            return new BenchReport(env, settings, lowerBound, oldWay, idle, List.copyOf(bursts), Summaries.of(partial), notes);
        }

        /** Runs one workload; a failure is reported and the next workload still runs (on a fresh world). */
        void attempt(String workload, Runnable body) {
            try {
                body.run();
            } catch (RuntimeException e) {
                failures.add(workload + " failed: " + e.getMessage());
                Progress.say("%s failed: %s", workload, e);
                e.printStackTrace(System.err);
            }
            write();
        }

        void write() {
            ReportWriter.write(report(), dir);
        }
    }

    /** picocli converter: lower-bound / old-way / idle / burst. */
    static final class WorkloadConverter implements CommandLine.ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            return Workload.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }
}
