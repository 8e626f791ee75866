package org.erasure.e2e.faults;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.erasure.devstack.DevStack;
import org.erasure.e2e.faults.FaultPlan.PlannedFault;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link FaultPlan} against a running pipeline: each fault at its offset from the start
 * of the traffic, concurrently with the others (they may overlap). Records when each began and when
 * the system was whole again (the process restarted, the server answering, the proxy listening).
 */
final class FaultInjector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

    /** A fault as it happened; times are System.nanoTime(). {@code problem} is null when it went as planned. */
    record Executed(PlannedFault fault, long startNanos, long endNanos, String problem) {}

    private final PipelineUnderTest pipeline;
    private final DevStack stack;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4,
            Thread.ofPlatform().name("fault-", 0).daemon().factory());
    private final List<Executed> executed = new CopyOnWriteArrayList<>();
    private CountDownLatch done = new CountDownLatch(0);
    private long origin;

    FaultInjector(PipelineUnderTest pipeline, DevStack stack) {
        this.pipeline = pipeline;
        this.stack = stack;
    }

    /** Schedules every fault relative to {@code originNanos} (System.nanoTime() at the start of the traffic). */
    void start(FaultPlan plan, long originNanos) {
        origin = originNanos;
        done = new CountDownLatch(plan.faults().size());
        for (PlannedFault f : plan.faults()) {
            long delay = originNanos + f.at().toNanos() - System.nanoTime();
            scheduler.schedule(() -> begin(f), Math.max(0, delay), TimeUnit.NANOSECONDS);
        }
    }

    private void begin(PlannedFault f) {
        long start = System.nanoTime();
        log.info("FAULT t+{} s: {}", seconds(start - origin), f.label());
        try {
            switch (f.kind()) {
                case SINK_KILL -> finish(f, start, () -> pipeline.killAndRestart(PipelineUnderTest.sinkName(f.sink())));
                case VERIFIER_KILL -> finish(f, start, () -> pipeline.killAndRestart(PipelineUnderTest.VERIFIER));
                case KAFKA_RESTART -> finish(f, start, () -> {
                    stack.kafka().stopBroker();
                    stack.kafka().startBroker();
                });
                case POSTGRES_STOP -> {
                    stack.postgres().stopServer();
                    later(f, start, () -> stack.postgres().startServer());
                }
                case ELASTICSEARCH_CUT -> {
                    pipeline.elasticsearchProxy().stop();
                    later(f, start, () -> pipeline.elasticsearchProxy().start());
                }
                case CLICKHOUSE_CUT -> {
                    pipeline.clickhouseProxy().stop();
                    later(f, start, () -> pipeline.clickhouseProxy().start());
                }
            }
        } catch (Exception | AssertionError e) {
            record(f, start, e.toString());
        }
    }

    /** The end of an outage, {@code length} after the server went away. */
    private void later(PlannedFault f, long start, Action restore) {
        scheduler.schedule(() -> finish(f, start, restore), f.length().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void finish(PlannedFault f, long start, Action restore) {
        String problem = null;
        try {
            restore.run();
        } catch (Exception | AssertionError e) {
            problem = e.toString();
        }
        record(f, start, problem);
    }

    private void record(PlannedFault f, long start, String problem) {
        long end = System.nanoTime();
        executed.add(new Executed(f, start, end, problem));
        log.info("FAULT t+{} s: {} over ({} s){}", seconds(end - origin), f.label(), seconds(end - start),
                problem == null ? "" : ": " + problem);
        done.countDown();
    }

    boolean awaitAll(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<Executed> executed() {
        return List.copyOf(executed);
    }

    private static String seconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }
}
