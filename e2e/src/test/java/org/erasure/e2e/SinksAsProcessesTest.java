package org.erasure.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance: every sink as its own process (its jar) against the dev-stack. Requests for 1,000 seeded
 * contributors → one SUCCEEDED PhaseCompleted with residual 0 per request and sink, and the stores
 * show exactly those contributors erased (100 more seeded contributors stay untouched).
 */
@DevStackTest
class SinksAsProcessesTest {

    private static final Logger log = LoggerFactory.getLogger(SinksAsProcessesTest.class);
    private static final int ERASED = 1_000;
    private static final int NEIGHBOURS = 100;
    static final EnumSet<SinkKind> SINKS = EnumSet.allOf(SinkKind.class);

    @Test
    void everySinkProcessErasesExactlyTheRequestedContributors(DevStack stack, TestNames names, @TempDir Path dir) throws Exception {
        SampleWorld world = SampleWorld.isolated(ERASED + NEIGHBOURS);
        SeedNames seedNames = SeedNames.unique(names);
        List<DevStack.Service> stores = SINKS.stream().map(k -> DevStack.Service.valueOf(k.phase().name())).toList();
        stack.startAll(stores);
        WorldSeeder.seed(stack, world, seedNames, stores);

        Topics topics = Topics.withPrefix(names.stem() + ".");
        List<Phase> phases = SINKS.stream().map(SinkKind::phase).toList();
        List<ServiceProcess> sinks = new ArrayList<>();
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, 3)) {
            for (SinkKind kind : SINKS) {
                String hocon = PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), kind, "e2e", 500)
                        + kind.storeHocon(stack, seedNames);
                sinks.add(ServiceProcess.start("sink-" + kind.id(), kind.jar(), hocon, dir, List.of()));
            }
            List<ContributorErasureRequested> requests = IntStream.range(0, ERASED)
                    .mapToObj(i -> ErasureTraffic.request(world.contributor(i), Mode.EXECUTE, phases)).toList();
            long begin = System.nanoTime();
            traffic.publish(requests);

            long expected = (long) ERASED * SINKS.size();
            boolean done = traffic.pollUntil(() -> traffic.poll() >= expected || sinks.stream().anyMatch(s -> !s.isAlive()),
                    Duration.ofMinutes(5));
            log.info("MEASURED {} PhaseCompleted from {} sink processes in {} ms", traffic.poll(), SINKS.size(),
                    (System.nanoTime() - begin) / 1_000_000);
            assertThat(sinks).as("sink processes alive; outputs: %s", outputs(sinks)).allMatch(ServiceProcess::isAlive);
            assertThat(done).isTrue();

            Map<UUID, List<PhaseCompleted>> byRequest = traffic.completions();
            assertThat(byRequest).hasSize(ERASED);
            for (ContributorErasureRequested r : requests) {
                assertThat(byRequest.get(r.requestId())).extracting(PhaseCompleted::phase)
                        .containsExactlyInAnyOrderElementsOf(phases);
                assertThat(byRequest.get(r.requestId())).allSatisfy(pc -> {
                    assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                    assertThat(pc.totalResidual()).isZero();
                    assertThat(pc.verification().verified()).isTrue();
                });
            }
        } finally {
            sinks.forEach(ServiceProcess::close);
        }
        StoresErased.exactly(stack, seedNames, world, ERASED, NEIGHBOURS);
    }

    private static String outputs(List<ServiceProcess> sinks) {
        StringBuilder out = new StringBuilder();
        sinks.stream().filter(s -> !s.isAlive()).forEach(s -> out.append('\n').append(s.name()).append(":\n").append(s.output()));
        return out.toString();
    }
}
