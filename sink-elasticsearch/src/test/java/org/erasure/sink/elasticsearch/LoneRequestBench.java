package org.erasure.sink.elasticsearch;

import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.junit.TestNames;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;

/**
 * A benchmark, not a test: erase + verify of a batch of ONE request on the dev-stack Elasticsearch node, as the
 * sink does for an idle request. Prints the Elasticsearch round trips per batch (from the store's per-operation
 * request timers, which every call goes through) and the wall time, median and p90/p99 over the measured runs.
 * <p>
 * {@code java -cp <test class path> org.erasure.sink.elasticsearch.LoneRequestBench [contributors] [warmup] [runs] [extra store config]}
 * (see the README, "Measured"); run it under the shared lock.
 */
public final class LoneRequestBench {
    private LoneRequestBench() {}

    public static void main(String[] args) throws Exception {
        int contributors = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        String extra = args.length > 3 ? args[3] : "";
        DevStack stack = DevStack.shared();
        try (EsFixture f = EsFixture.seed(stack.elasticsearch(), TestNames.forTest("lone-request-bench"), contributors);
             ElasticsearchErasureStore store = f.store(extra)) {
            List<Long> micros = new ArrayList<>();
            Map<String, Long> callsPerRun = new TreeMap<>();
            Map<String, Double> msPerRun = new TreeMap<>();
            for (int i = 0; i < warmup + runs; i++) {
                // every 7th contributor: documents do not overlap with the previous run's person
                ErasureItem item = EsFixture.item(f.world.contributor((i * 7) % contributors), Mode.EXECUTE);
                ErasureBatch batch = ErasureBatch.of(item);
                Map<String, Long> before = IndexViewCacheTest.calls(store);
                Map<String, Double> beforeMs = millis(store);
                long t0 = System.nanoTime();
                RequestResult r = store.erase(batch, planned -> { }).get(item.requestId());
                long residual = store.verify(batch).get(item.requestId()).stream().mapToLong(x -> x.residual()).sum();
                long t1 = System.nanoTime();
                if (!(r instanceof RequestResult.Erased) || residual != 0) {
                    throw new IllegalStateException("run " + i + ": " + r + ", residual " + residual);
                }
                if (i >= warmup) {
                    micros.add((t1 - t0) / 1000);
                    Map<String, Long> after = IndexViewCacheTest.calls(store);
                    after.forEach((op, n) -> callsPerRun.merge(op, n - before.getOrDefault(op, 0L), Long::sum));
                    millis(store).forEach((op, ms) -> msPerRun.merge(op, ms - beforeMs.getOrDefault(op, 0.0), Double::sum));
                }
            }
            micros.sort(null);
            long total = callsPerRun.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf(Locale.ROOT, "LONE REQUEST erase+verify, batch of 1, %d contributors, %d runs after %d warm-up%s:%n",
                    contributors, runs, warmup, extra.isBlank() ? "" : " [" + extra + "]");
            System.out.printf(Locale.ROOT, "  wall ms: median %.1f, p90 %.1f, p99 %.1f, min %.1f, max %.1f%n",
                    pct(micros, 50), pct(micros, 90), pct(micros, 99), micros.getFirst() / 1000.0, micros.getLast() / 1000.0);
            System.out.printf(Locale.ROOT, "  Elasticsearch round trips per batch: %.2f%n", total / (double) runs);
            callsPerRun.forEach((op, n) -> System.out.printf(Locale.ROOT, "    %-26s %.2f  (mean %.1f ms per batch)%n", op, n / (double) runs,
                    msPerRun.getOrDefault(op, 0.0) / runs));
        } finally {
            stack.close();
        }
    }

    private static Map<String, Double> millis(ElasticsearchErasureStore store) {
        Map<String, Double> out = new TreeMap<>();
        for (Timer t : store.meters().find("erasure.sink.es.request").timers()) {
            out.merge(t.getId().getTag("operation"), t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS), Double::sum);
        }
        return out;
    }

    private static double pct(List<Long> sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx))) / 1000.0;
    }
}
