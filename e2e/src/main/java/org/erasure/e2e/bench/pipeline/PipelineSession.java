package org.erasure.e2e.bench.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.e2e.PipelineServices;
import org.erasure.e2e.bench.pipeline.report.BenchReport.ServiceUsage;
import org.erasure.events.Topics;

/**
 * One workload's pipeline: every service as its own process on the workload's own topics, started
 * and ready (health answered, every consumer group stable) before the clock starts; a watcher on
 * the output topics; heap sampling; CPU readings.
 */
final class PipelineSession implements AutoCloseable {

    private final PipelineServices services;
    private final TopicWatcher watcher;
    private final UsageSampler sampler;
    private final IngestHttp ingest;

    private PipelineSession(PipelineServices services, TopicWatcher watcher, UsageSampler sampler) {
        this.services = services;
        this.watcher = watcher;
        this.sampler = sampler;
        this.ingest = new IngestHttp(services.ingestUrl(), services.ingestToken());
    }

    /**
     * Starts the services one by one (each ready before the next, so seven JVMs do not starve each
     * other on two cores), then waits for stable groups. A service that dies during start-up (e.g. a
     * store that did not answer in time) gets one more attempt, with the whole session, on fresh topics.
     */
    static PipelineSession start(DevStack stack, Topics topics, Path logDir, String heap) {
        try {
            return startOnce(stack, topics, logDir, heap);
        } catch (IllegalStateException firstAttempt) {
            Progress.say("services did not start (%s); trying once more", firstLine(firstAttempt.getMessage()));
            return startOnce(stack, Topics.withPrefix(topics.prefix() + "retry."), logDir.resolve("retry"), heap);
        }
    }

    private static PipelineSession startOnce(DevStack stack, Topics topics, Path logDir, String heap) {
        PipelineServices services = PipelineServices.start(stack, topics, SeedNames.defaults(), logDir,
                PipelineServices.Options.defaults().jvm(List.of("-Xmx" + heap)).oneByOne(Duration.ofMinutes(3)));
        UsageSampler sampler = new UsageSampler(services.services(), Duration.ofSeconds(1));
        try {
            services.awaitStableGroups(Duration.ofMinutes(2));
            return new PipelineSession(services, new TopicWatcher(stack.kafka(), topics), sampler);
        } catch (RuntimeException e) {
            sampler.close();
            services.close();
            throw e;
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    IngestHttp ingest() {
        return ingest;
    }

    TopicWatcher watcher() {
        return watcher;
    }

    /** Fails with the service's output if one of them exited. */
    void checkAlive() {
        for (PipelineServices.Service s : services.services()) {
            if (!s.process().isAlive()) {
                String out = s.process().output();
                throw new IllegalStateException(s.name() + " exited:\n" + out.substring(Math.max(0, out.length() - 3_000)));
            }
        }
    }

    /** CPU ticks per service, now. */
    Map<String, Long> cpuTicks() {
        Map<String, Long> ticks = new HashMap<>();
        for (PipelineServices.Service s : services.services()) {
            ProcFs.CpuTicks t = ProcFs.cpu(s.process().pid());
            ticks.put(s.name(), t == null ? 0 : t.own());
        }
        return ticks;
    }

    /** Peak heap, peak RSS and the CPU time since {@code before}, per service (read before the services stop). */
    List<ServiceUsage> usage(Map<String, Long> before) {
        Map<String, Long> now = cpuTicks();
        List<ServiceUsage> usage = new ArrayList<>();
        for (PipelineServices.Service s : services.services()) {
            usage.add(new ServiceUsage(s.name(), sampler.peakHeapBytes(s.name()), ProcFs.peakRssBytes(s.process().pid()),
                    ProcFs.seconds(now.get(s.name()) - before.getOrDefault(s.name(), 0L))));
        }
        return usage;
    }

    @Override
    public void close() {
        watcher.close();
        sampler.close();
        services.close();
    }
}
