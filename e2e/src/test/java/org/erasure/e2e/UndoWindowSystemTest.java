package org.erasure.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.SinkConfig;
import org.junit.jupiter.api.Test;

/**
 * The undo window across every store (issue 13): erase 50 contributors with the sinks keeping before-images, restore
 * 10 of them with RESTORE requests: every store shows exactly those 10 back (as seeded) and the other 40 still erased,
 * and each sink's RESTORED count equals what it erased for them. Byte-for-byte equality per record is each store
 * module's own test (its README, "Undo window"); here the stores are checked as the other end-to-end tests check them.
 */
@DevStackTest
class UndoWindowSystemTest {
    private static final int ERASED = 50;
    private static final int RESTORED = 10;
    private static final int NEIGHBOURS = 10;
    /** Every sink; StoresErased checks the five stores of the default mapping, the Kafka sink's topic by its counts here. */
    private static final EnumSet<SinkKind> SINKS = EnumSet.allOf(SinkKind.class);

    @Test
    void fiftyErasedTenRestoredEveryStoreShowsExactlyThoseTenBack(DevStack stack, TestNames names) throws Exception {
        SampleWorld world = SampleWorld.isolated(ERASED + NEIGHBOURS);
        SeedNames seedNames = SeedNames.unique(names);
        List<DevStack.Service> stores = SINKS.stream().map(k -> DevStack.Service.valueOf(k.phase().name())).toList();
        stack.startAll(stores);
        WorldSeeder.seed(stack, world, seedNames, stores);
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        Topics topics = Topics.withPrefix(names.stem() + ".");
        List<Phase> phases = SINKS.stream().map(SinkKind::phase).toList();
        List<SinkApplication> sinks = new ArrayList<>();
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, 3)) {
            for (SinkKind kind : SINKS) {
                Config config = ConfigFactory.parseString(PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), kind, "undo", 500)
                                + "sink.http.enabled = false\n"
                                + "sink.keys { kek = \"" + kek + "\", topic.name = \"" + names.topic("request-keys") + "\" }\n"
                                + "sink.restoration { topic = \"" + names.topic("restoration") + "\", keys-topic = \""
                                + names.topic("restoration-keys") + "\" }\n"
                                + kind.storeHocon(stack, seedNames))
                        .withFallback(SinkConfig.fromString("")).resolve();
                sinks.add(SinkApplication.start(config, kind.newModule()));
            }
            List<ContributorErasureRequested> erasures = IntStream.range(0, ERASED)
                    .mapToObj(i -> ErasureTraffic.request(world.contributor(i), Mode.EXECUTE, phases)).toList();
            traffic.publish(erasures);
            assertThat(traffic.pollUntil(() -> traffic.poll() >= (long) ERASED * SINKS.size(), Duration.ofMinutes(5))).isTrue();
            Map<UUID, List<PhaseCompleted>> erased = traffic.completions();
            for (ContributorErasureRequested r : erasures) {
                assertThat(erased.get(r.requestId())).extracting(PhaseCompleted::status).containsOnly(PhaseStatus.SUCCEEDED);
            }
            StoresErased.exactly(stack, seedNames, world, ERASED, NEIGHBOURS);

            // Restore the last ten of the fifty: the stores then hold 40 erased and 20 as seeded.
            List<ContributorErasureRequested> restores = erasures.subList(ERASED - RESTORED, ERASED).stream()
                    .map(o -> o.toBuilder().requestId(UUID.randomUUID()).mode(Mode.RESTORE).replayOf(o.requestId()).build()).toList();
            traffic.publish(restores);
            assertThat(traffic.pollUntil(() -> traffic.poll() >= (long) (ERASED + RESTORED) * SINKS.size(), Duration.ofMinutes(5))).isTrue();
            Map<UUID, List<PhaseCompleted>> all = traffic.completions();
            for (ContributorErasureRequested r : restores) {
                List<PhaseCompleted> original = all.get(r.replayOf());
                assertThat(all.get(r.requestId())).hasSize(SINKS.size()).allSatisfy(pc -> {
                    assertThat(pc.status()).as("%s restore", pc.phase()).isEqualTo(PhaseStatus.RESTORED);
                    PhaseCompleted erasure = original.stream().filter(o -> o.phase() == pc.phase()).findFirst().orElseThrow();
                    assertThat(pc.totals().restored()).as("%s restored what it erased", pc.phase())
                            .isEqualTo(erasure.totalDeleted() + erasure.totalMasked());
                });
            }
        } finally {
            sinks.forEach(SinkApplication::close);
        }
        StoresErased.exactly(stack, seedNames, world, ERASED - RESTORED, RESTORED + NEIGHBOURS);
    }
}
