package org.erasure.sink.s3;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.S3Seeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.testkit.Announced;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * CPU per erasure of the S3 sink (a benchmark, not a test): per run, a fresh bucket on an in-JVM
 * dev-stack s3proxy is seeded with a world of {@code contributors} (2.2 versions each), then
 * {@code erase} of them, drawn at random (fixed seed), are erased and verified in batches of
 * {@code batch} the way the runtime calls the store. Prints the CPU seconds of erase + verify: the
 * whole process (sink and the in-JVM s3proxy serving it) and the sink's own threads (the calling
 * thread and the s3-lister pool, where the SDK signs, sends and parses). Median of {@code runs},
 * after {@code warmups} uncounted runs (a sink is a long-running process: JIT compilation is not per
 * erasure).
 *
 * <p>Args: {@code [contributors=10000] [erase=2000] [batch=500] [runs=5] [warmups=2]}. Run under the heavy lock
 * (README, "Measured").
 */
public final class S3SinkCpuBench {

    public static void main(String[] args) throws Exception {
        int contributors = arg(args, 0, 10_000);
        int erase = arg(args, 1, 2_000);
        int batchSize = arg(args, 2, 500);
        int runs = arg(args, 3, 5);
        int warmups = arg(args, 4, 2);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        S3Server server = S3Server.start();
        List<Double> processCpu = new ArrayList<>();
        List<Double> sinkCpu = new ArrayList<>();
        try (S3Client client = server.newClient()) {
            for (int run = 1 - warmups; run <= runs; run++) {
                SampleWorld world = SampleWorld.isolated(contributors);
                String bucket = "cpu-bench-" + run + "-" + UUID.randomUUID().toString().substring(0, 8);
                S3Seeder.seed(client, bucket, world);
                List<Integer> chosen = new ArrayList<>(IntStream.range(0, contributors).boxed().toList());
                Collections.shuffle(chosen, new Random(42));
                List<ErasureItem> items = chosen.subList(0, erase).stream()
                        .map(i -> S3Fixture.item(String.valueOf(world.contributor(i).id()), Mode.EXECUTE)).toList();
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                try (S3ErasureStore store = (S3ErasureStore) new S3StoreModule().create(config(server, bucket), meters)) {
                    System.gc(); // the seeding's garbage is not the erasure's
                    long p0 = os.getProcessCpuTime();
                    long s0 = sinkThreadsCpu(threads);
                    long wall0 = System.nanoTime();
                    long erased = 0;
                    long residual = 0;
                    for (int from = 0; from < items.size(); from += batchSize) {
                        ErasureBatch batch = new ErasureBatch(items.subList(from, Math.min(items.size(), from + batchSize)));
                        Map<UUID, RequestResult> results = Announced.erase(store, batch);
                        erased += results.values().stream().mapToLong(S3SinkCpuBench::deleted).sum();
                        residual += store.verify(batch).values().stream().flatMap(List::stream).mapToLong(TargetResidual::residual).sum();
                    }
                    double p = (os.getProcessCpuTime() - p0) / 1e9;
                    double s = (sinkThreadsCpu(threads) - s0) / 1e9;
                    if (run > 0) {
                        processCpu.add(p);
                        sinkCpu.add(s);
                    }
                    System.out.printf("run %s: %d erasures (%d entries erased, residual %d) in %.2f s wall: process CPU %.2f s, "
                                    + "sink threads CPU %.2f s (%.2f / %.2f ms per erasure); %.0f listed entries, %.0f list calls%n",
                            run <= 0 ? "warm-up" : run, items.size(), erased, residual, (System.nanoTime() - wall0) / 1e9, p, s,
                            p * 1000 / items.size(), s * 1000 / items.size(),
                            meters.counter("erasure.s3.listed.entries").count(),
                            meters.counter("erasure.s3.calls", "operation", "ListObjectVersions").count()
                                    + meters.counter("erasure.s3.calls", "operation", "ListMultipartUploads").count());
                }
            }
        } finally {
            server.close();
        }
        System.out.printf("median of %d: process CPU %.2f s (%.2f ms per erasure), sink threads CPU %.2f s (%.2f ms per erasure)%n",
                runs, median(processCpu), median(processCpu) * 1000 / erase, median(sinkCpu), median(sinkCpu) * 1000 / erase);
    }

    private static com.typesafe.config.Config config(S3Server server, String bucket) {
        return ConfigFactory.parseString("""
                endpoint = "%s"
                region = "%s"
                path-style = true
                access-key-id = "%s"
                secret-access-key = "%s"
                targets = [ { bucket = "%s", prefixes = ["%s", "%s"] } ]
                """.formatted(server.endpoint(), S3Server.REGION, S3Server.ACCESS_KEY, S3Server.SECRET_KEY, bucket,
                S3Fixture.CONTRIBUTORS, S3Fixture.UPLOADS)).withFallback(ConfigFactory.defaultReference().getConfig("s3")).resolve();
    }

    private static long deleted(RequestResult r) {
        return r instanceof RequestResult.Erased e ? e.targets().stream().mapToLong(t -> t.deleted()).sum() : 0;
    }

    /** CPU of this thread and the store's s3-lister pool (live for the store's lifetime). */
    private static long sinkThreadsCpu(ThreadMXBean threads) {
        long sum = threads.getCurrentThreadCpuTime();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("s3-lister-")) {
                sum += Math.max(0, threads.getThreadCpuTime(t.threadId()));
            }
        }
        return sum;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private S3SinkCpuBench() {}
}
