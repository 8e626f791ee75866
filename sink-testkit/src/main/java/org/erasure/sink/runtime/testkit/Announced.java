package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.WriteAhead;

/**
 * Calls {@link ErasureStore#erase} with a recording {@link WriteAhead} and checks the write-ahead
 * contract on the way: every EXECUTE request that erased something announced exactly that (per
 * target, deleted and masked), dry runs announced nothing. Store tests erase through it, so every
 * erase in every store test also checks that a crash after the store change would keep its counts.
 */
public final class Announced implements WriteAhead {
    private final Map<UUID, Map<String, long[]>> totals = new HashMap<>();
    private final List<Map<UUID, List<TargetResult>>> calls = new ArrayList<>();
    private final RestorationLog restoration;

    public Announced() {
        this(RestorationLog.OFF);
    }

    /** Records announcements and keeps before-images in {@code restoration} (e.g. {@link KeptImages}). */
    public Announced(RestorationLog restoration) {
        this.restoration = restoration;
    }

    @Override
    public RestorationLog restoration() {
        return restoration;
    }

    @Override
    public void record(Map<UUID, List<TargetResult>> planned) {
        calls.add(Map.copyOf(planned));
        planned.forEach((id, targets) -> targets.forEach(t -> {
            long[] n = totals.computeIfAbsent(id, k -> new HashMap<>()).computeIfAbsent(t.target(), k -> new long[2]);
            n[0] += t.deleted();
            n[1] += t.masked();
        }));
    }

    /** Announcements, one map per call. */
    public List<Map<UUID, List<TargetResult>>> calls() {
        return calls;
    }

    /** Erases and asserts the write-ahead contract; returns the store's results. */
    public static Map<UUID, RequestResult> erase(ErasureStore store, ErasureBatch batch) {
        Announced announced = new Announced();
        Map<UUID, RequestResult> results = store.erase(batch, announced);
        announced.assertMatches(batch, results);
        return results;
    }

    /** {@link #erase(ErasureStore, ErasureBatch)}, keeping before-images in {@code restoration}. */
    public static Map<UUID, RequestResult> erase(ErasureStore store, ErasureBatch batch, RestorationLog restoration) {
        Announced announced = new Announced(restoration);
        Map<UUID, RequestResult> results = store.erase(batch, announced);
        announced.assertMatches(batch, results);
        return results;
    }

    public void assertMatches(ErasureBatch batch, Map<UUID, RequestResult> results) {
        for (ErasureItem item : batch.items()) {
            Map<String, long[]> said = totals.getOrDefault(item.requestId(), Map.of());
            if (item.dryRun()) {
                assertThat(said).as("a dry run announces nothing").isEmpty();
                continue;
            }
            if (!(results.get(item.requestId()) instanceof RequestResult.Erased erased)) {
                continue; // failed: whatever it announced stays an announcement of what it tried
            }
            for (TargetResult t : erased.targets()) {
                long[] n = said.getOrDefault(t.target(), new long[2]);
                assertThat(n[0]).as("announced deletes of %s for request %s", t.target(), item.requestId()).isEqualTo(t.deleted());
                assertThat(n[1]).as("announced masks of %s for request %s", t.target(), item.requestId()).isEqualTo(t.masked());
            }
        }
    }
}
