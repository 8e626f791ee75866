package org.erasure.e2e.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.cli.DevStackCommand;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.ErasureTraffic;
import org.erasure.e2e.PipelineConfig;
import org.erasure.e2e.SinkKind;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.SinkConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Erasures per second per sink, batched and one at a time, on the real dev-stack servers:
 * seeds {@code --contributors}, publishes {@code --requests} EXECUTE requests, starts the sink and
 * times it until every request has its committed PhaseCompleted. A benchmark, not a test.
 */
@Command(name = "erasure-bench", mixinStandardHelpOptions = true,
        description = "Erasures/s per sink for N requests over N seeded contributors, batched and with batch size 1.")
public final class ErasureBenchmark implements Callable<Integer> {

    @Option(names = "--sinks", split = ",", description = "Sinks to measure (default: all): ${COMPLETION-CANDIDATES}.")
    List<SinkKind> sinks = List.of(SinkKind.values());

    @Option(names = "--contributors", defaultValue = "10000", description = "Seeded contributors (default: ${DEFAULT-VALUE}).")
    int contributors;

    @Option(names = "--requests", defaultValue = "10000", description = "Requests, one per contributor (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--spread", description = "Spread the requests evenly over the seeded contributors (every "
            + "contributors/requests-th, as an inactivity purge picks them) instead of the first --requests.")
    boolean spread;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "500,1", description = "sink.batch.max-size values (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up on one run after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", DevStackCommand.LOGBACK_CONFIG);
        }
        // One INFO line per request and batch is the sinks' audit trail; here it would bury the table.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.erasure.sink"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int code = new CommandLine(new ErasureBenchmark()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() {
        if (requests > contributors) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--requests must not exceed --contributors");
        }
        DevStack stack = DevStack.shared();
        System.out.printf("%-14s %6s %9s %10s %12s  %s%n", "sink", "batch", "requests", "seconds", "erasures/s", "store operations");
        for (SinkKind kind : sinks) {
            for (int batchSize : batchSizes) {
                Result r = run(stack, kind, batchSize);
                System.out.printf(Locale.ROOT, "%-14s %6d %9d %10.2f %12.1f  %s%n",
                        kind.id(), batchSize, r.completed, r.seconds, r.completed / r.seconds, r.operations);
            }
        }
        stack.close();
        return 0;
    }

    private Result run(DevStack stack, SinkKind kind, int batchSize) {
        TestNames names = TestNames.forTest("bench-" + kind.id() + "-" + batchSize);
        SampleWorld world = SampleWorld.isolated(contributors);
        SeedNames seedNames = SeedNames.unique(names);
        DevStack.Service store = DevStack.Service.valueOf(kind.phase().name());
        stack.startAll(List.of(DevStack.Service.KAFKA, store));
        WorldSeeder.seed(stack, world, seedNames, List.of(store));

        Topics topics = Topics.withPrefix(names.stem() + ".");
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, 3)) {
            List<ContributorErasureRequested> batch = IntStream.range(0, requests)
                    .mapToObj(i -> ErasureTraffic.request(world.contributor(spread ? (int) ((long) i * contributors / requests) : i), Mode.EXECUTE, List.of(kind.phase()))).toList();
            traffic.publish(batch);
            Config config = ConfigFactory.parseString(
                            PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), kind, "bench", batchSize)
                                    + "sink.http.enabled = false\n" + kind.storeHocon(stack, seedNames))
                    .withFallback(SinkConfig.fromString("")).resolve();
            long begin = System.nanoTime();
            try (SinkApplication sink = SinkApplication.start(config, kind.newModule())) {
                boolean done = traffic.pollUntil(() -> traffic.poll() >= requests, timeout);
                double seconds = (System.nanoTime() - begin) / 1e9;
                if (!done) {
                    System.out.printf("%s batch %d: only %d of %d completed within %s%n", kind.id(), batchSize, traffic.poll(), requests, timeout);
                }
                return new Result(traffic.poll(), seconds, operations(sink));
            }
        }
    }

    /** Store batches run, and any store-specific operation counter (e.g. ClickHouse mutations). */
    private static String operations(SinkApplication sink) {
        StringBuilder out = new StringBuilder();
        DistributionSummary batches = sink.registry().find("erasure.sink.batch.size").summary();
        if (batches != null) {
            out.append(batches.count()).append(" batches (mean ").append(Math.round(batches.mean())).append(")");
        }
        // Store-specific operation counters (e.g. ClickHouse mutations, one per table and batch), summed over their tags.
        java.util.Map<String, Double> operations = new java.util.TreeMap<>();
        sink.registry().getMeters().stream()
                .filter(m -> m instanceof Counter && m.getId().getName().contains("mutation"))
                .forEach(m -> operations.merge(m.getId().getName(), ((Counter) m).count(), Double::sum));
        operations.forEach((name, count) -> out.append(", ").append(name).append(" = ").append(Math.round(count)));
        return out.toString();
    }

    private record Result(long completed, double seconds, String operations) {}
}
