package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.TargetResidual;

/**
 * One test's seeded {@link SampleWorld} in one store, and what the store-independent scenarios of
 * {@link SinkContract} need from it: its config, where to cut it, how to tell erased from intact.
 * Contributors are named by their index in {@link #world}.
 */
public abstract class StoreFixture implements AutoCloseable {

    /** Seeds a fresh world of {@code size} contributors in the store (one test's isolated slice). */
    @FunctionalInterface
    public interface Seeder {
        StoreFixture seed(int size) throws Exception;
    }

    /** The end-to-end batch as completed: what was sent beyond the common requests, and what came back. */
    public record BatchOutcome(SinkApplication app, Map<UUID, List<PhaseCompleted>> completions,
                               List<ContributorErasureRequested> extra, int expected, int executed) {}

    public final SampleWorld world;
    private final Supplier<StoreModule> module;
    private final String sinkName;

    /**
     * @param module a fresh module of the store under test (phase, config section)
     * @param sinkName stem of the sink name ({@code names.group(stem)}), e.g. {@code sink-pg}
     */
    protected StoreFixture(SampleWorld world, Supplier<StoreModule> module, String sinkName) {
        this.world = world;
        this.module = module;
        this.sinkName = sinkName;
        world.contributors().forEach(c -> LogScan.SEEDED_EMAILS.add(c.email()));
    }

    public final StoreModule module() {
        return module.get();
    }

    public final String sinkName() {
        return sinkName;
    }

    /** A request to erase {@code c}, for this store's phase and one other. */
    public final ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode) {
        Phase phase = module().phase();
        return ContributorErasureRequested.builder().contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId())).requestedBy("sink-test")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(phase, phase == Phase.REDIS ? Phase.POSTGRES : Phase.REDIS).build();
    }

    /** An item of a store batch for {@code c}. */
    public static ErasureItem item(SampleWorld.Contributor c, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), Long.toString(c.id()), Identifiers.of(List.of(c.email()), List.of(c.workerId())), mode);
    }

    /** The targets of an erased request's result, by target name (fails unless it is {@link RequestResult.Erased}). */
    public static Map<String, TargetResult> byTarget(RequestResult r) {
        assertThat(r).isInstanceOf(RequestResult.Erased.class);
        Map<String, TargetResult> m = new HashMap<>();
        ((RequestResult.Erased) r).targets().forEach(t -> m.put(t.target(), t));
        return m;
    }

    /** What verification still finds, summed over the targets. */
    public static long residual(List<TargetResidual> rs) {
        return rs.stream().mapToLong(TargetResidual::residual).sum();
    }

    /** The store section's content (without the section name) for the store at {@code endpoint}, plus {@code extra} HOCON. */
    public abstract Config storeConfig(String endpoint, String extra);

    /** The store's own endpoint (jdbc url, uri, ...). */
    public abstract String endpoint();

    /** The store's section as HOCON for a child sink JVM on {@link #endpoint()}. */
    public String childStoreHocon() {
        return module().configSection() + " " + storeConfig(endpoint(), "").root().render(ConfigRenderOptions.concise());
    }

    /** The TCP port of the store, to put a proxy in front of. */
    public abstract int storePort();

    /** The endpoint reaching the store through a proxy listening on {@code proxyPort}. */
    public abstract String endpointVia(int proxyPort);

    /** Extra HOCON (full paths) for the outage scenario, e.g. shorter pool timeouts. */
    public String outageOverrides() {
        return "";
    }

    /** How many of the first {@code n} contributors are erased in the store. */
    public abstract long erasedAmongFirst(int n) throws Exception;

    /** Contributor {@code index} is erased in every target of the store. */
    public abstract void assertErased(int index) throws Exception;

    /** Contributor {@code index} still holds all its seeded data. */
    public abstract void assertIntact(int index) throws Exception;

    /** After the crash scenario: the first {@code n} contributors are erased (store-wide checks). */
    public void assertAllErased(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertErased(i);
        }
    }

    /** The store work one PhaseCompleted reports (rows/keys/objects changed). */
    public abstract long reportedWork(PhaseCompleted pc);

    /** The store work erasing the first {@code n} contributors from scratch takes. */
    public long seededWork(int n) {
        return n;
    }

    /** Targets of a SUCCEEDED PhaseCompleted for contributor {@code index}. */
    public abstract void assertExecutedTargets(PhaseCompleted pc, int index);

    /** Targets of a DRY_RUN PhaseCompleted for contributor {@code index}. */
    public abstract void assertDryRunTargets(PhaseCompleted pc, int index);

    /** Store-specific names on /metrics, besides the runtime's own. */
    public abstract List<String> storeMetrics();

    /** Bound for a lone request on a warm idle sink; {@code null}: not measured for this store. */
    public Duration warmLoneRequestWithin() {
        return Duration.ofSeconds(2);
    }

    /** Requests beyond the common ones sent in the end-to-end batch (counted as completing). */
    public List<ContributorErasureRequested> extraRequests() {
        return List.of();
    }

    /** Checks after the first lone request of the end-to-end scenario. */
    public void afterFirstRequest(SinkApplication app) throws Exception {}

    /** Checks after the end-to-end batch completed. */
    public void afterBatch(BatchOutcome outcome) throws Exception {}

    @Override
    public void close() throws Exception {}
}
