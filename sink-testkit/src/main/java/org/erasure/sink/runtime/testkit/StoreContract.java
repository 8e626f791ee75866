package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;

/**
 * The store-level contract every {@link ErasureStore} keeps, checked on the real store without Kafka: a store
 * test seeds its world, opens the store and calls a scenario with a digest of everything the store holds; it
 * then checks its own expected counts on what the scenario returns. Every erase goes through
 * {@link Announced#erase} (the write-ahead announced exactly what was then reported).
 */
public final class StoreContract {

    private StoreContract() {}

    /** The four runs of {@link #dryRunPredictsExecuteAndReplayReportsZero} on the same people, in order. */
    public record DryRunExecuteReplay(List<ErasureItem> dry, Map<UUID, RequestResult> dryResults,
                                      List<ErasureItem> executed, Map<UUID, RequestResult> executeResults,
                                      List<ErasureItem> replayed, Map<UUID, RequestResult> replayResults,
                                      List<ErasureItem> dryAgain, Map<UUID, RequestResult> dryAgainResults) {

        /** The dry run's targets for person {@code k} (the k-th of the people passed in). */
        public Map<String, TargetResult> dry(int k) {
            return byTarget(dryResults.get(dry.get(k).requestId()));
        }

        /** The execute run's targets for person {@code k}. */
        public Map<String, TargetResult> executed(int k) {
            return byTarget(executeResults.get(executed.get(k).requestId()));
        }

        /** The replay's targets for person {@code k}. */
        public Map<String, TargetResult> replayed(int k) {
            return byTarget(replayResults.get(replayed.get(k).requestId()));
        }

        /** The second dry run's targets for person {@code k}. */
        public Map<String, TargetResult> dryAgain(int k) {
            return byTarget(dryAgainResults.get(dryAgain.get(k).requestId()));
        }
    }

    /**
     * Dry run, execute, replay, dry run again, each as one batch of {@code people}:
     * <ul>
     *   <li>the dry run changes nothing ({@code digest} unchanged), reports no deletes or masks, and predicts per
     *       request and target exactly what the execute run then deletes and masks (every target reported);</li>
     *   <li>the execute run changes the store;</li>
     *   <li>the replay (the same people, new requests: a re-run after a crash) changes nothing, reports 0, and
     *       verification finds nothing left;</li>
     *   <li>a dry run after the erasure predicts nothing.</li>
     * </ul>
     * The people must hold data in the store (their execute run must change something).
     *
     * @param digest everything the store holds of this test's world, as one comparable string
     * @return the four runs, for the store's own expected counts and notes
     */
    public static DryRunExecuteReplay dryRunPredictsExecuteAndReplayReportsZero(ErasureStore store, List<SampleWorld.Contributor> people,
                                                                                Callable<String> digest) throws Exception {
        List<ErasureItem> dry = items(people, Mode.DRY_RUN);
        List<ErasureItem> exec = items(people, Mode.EXECUTE);
        List<ErasureItem> replay = items(people, Mode.EXECUTE);
        List<ErasureItem> dryAgain = items(people, Mode.DRY_RUN);

        String before = digest.call();
        Map<UUID, RequestResult> dryResults = Announced.erase(store, new ErasureBatch(dry));
        assertThat(digest.call()).as("a dry run changes nothing").isEqualTo(before);

        Map<UUID, RequestResult> execResults = Announced.erase(store, new ErasureBatch(exec));
        assertThat(digest.call()).as("the execute run changes the store").isNotEqualTo(before);

        String afterExecute = digest.call();
        Map<UUID, RequestResult> replayResults = Announced.erase(store, new ErasureBatch(replay));
        assertThat(digest.call()).as("a replay changes nothing").isEqualTo(afterExecute);
        assertThat(store.verify(new ErasureBatch(replay)).values()).allSatisfy(rs -> assertThat(residual(rs)).isZero());

        Map<UUID, RequestResult> dryAgainResults = Announced.erase(store, new ErasureBatch(dryAgain));

        DryRunExecuteReplay runs = new DryRunExecuteReplay(dry, dryResults, exec, execResults, replay, replayResults,
                dryAgain, dryAgainResults);
        for (int k = 0; k < people.size(); k++) {
            Map<String, TargetResult> d = runs.dry(k);
            Map<String, TargetResult> e = runs.executed(k);
            assertThat(d.keySet()).as("dry-run targets").containsAll(store.targets());
            assertThat(e.keySet()).as("execute targets").containsAll(store.targets());
            for (String target : store.targets()) {
                assertThat(d.get(target).deleted()).as("%s deleted by a dry run", target).isZero();
                assertThat(d.get(target).masked()).as("%s masked by a dry run", target).isZero();
                assertThat(d.get(target).wouldDelete()).as("%s wouldDelete", target).isEqualTo(e.get(target).deleted());
                assertThat(d.get(target).wouldMask()).as("%s wouldMask", target).isEqualTo(e.get(target).masked());
            }
            runs.replayed(k).forEach((target, t) -> {
                assertThat(t.deleted()).as("%s deleted by a replay", target).isZero();
                assertThat(t.masked()).as("%s masked by a replay", target).isZero();
            });
            runs.dryAgain(k).forEach((target, t) -> {
                assertThat(t.wouldDelete()).as("%s wouldDelete after the erasure", target).isZero();
                assertThat(t.wouldMask()).as("%s wouldMask after the erasure", target).isZero();
            });
        }
        return runs;
    }

    private static List<ErasureItem> items(List<SampleWorld.Contributor> people, Mode mode) {
        return people.stream().map(c -> StoreFixture.item(c, mode)).toList();
    }
}
