package org.erasure.sink.runtime.spi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.TargetResult;

/**
 * Per-(request, target) counts a set-based store collects while it attributes the records one statement
 * touched to the batch's requests, and what is built from them: the {@link WriteAhead} announcement, the
 * per-request {@link RequestResult}s of {@link ErasureStore#erase} and the residuals of
 * {@link ErasureStore#verify}, every list in the store's report order. One tally per call; not thread-safe.
 */
public final class Tally {

    /** Adds what only the store knows to one target's result (a note); {@code target} is its index in report order. */
    @FunctionalInterface
    public interface Notes {
        TargetResult apply(ErasureItem item, int target, TargetResult result);
    }

    private final List<String> targets;
    private final Set<String> known;
    private final Map<UUID, Map<String, long[]>> counts = new HashMap<>(); // requestId -> target -> {deleted, masked}

    /** @param targets the store's {@link ErasureStore#targets()}, in report order */
    public Tally(List<String> targets) {
        this.targets = List.copyOf(targets);
        this.known = Set.copyOf(targets);
    }

    /** {@code n} of the item's records deleted in {@code target} (a dry run: that would be deleted). */
    public void deleted(ErasureItem item, String target, long n) {
        add(item, target, 0, n);
    }

    /** {@code n} of the item's records masked in {@code target} (a dry run: that would be masked). */
    public void masked(ErasureItem item, String target, long n) {
        add(item, target, 1, n);
    }

    /** Verify: {@code n} of the item's records still found in {@code target}. */
    public void found(ErasureItem item, String target, long n) {
        add(item, target, 0, n);
    }

    /** Everything counted for the item in {@code target}. */
    public long total(ErasureItem item, String target) {
        long[] n = of(item, target);
        return n[0] + n[1];
    }

    /**
     * What the EXECUTE items are about to lose, for {@link WriteAhead#record}: per request the targets with a
     * count, in report order; requests with nothing counted are left out.
     */
    public Map<UUID, List<TargetResult>> planned(List<ErasureItem> executes) {
        Map<UUID, List<TargetResult>> planned = new LinkedHashMap<>();
        for (ErasureItem item : executes) {
            List<TargetResult> list = new ArrayList<>();
            for (String target : targets) {
                long[] n = of(item, target);
                if (n[0] + n[1] > 0) {
                    list.add(TargetResult.erased(target, n[0], n[1], 0));
                }
            }
            if (!list.isEmpty()) {
                planned.put(item.requestId(), list);
            }
        }
        return planned;
    }

    /** One {@link RequestResult.Erased} per item, in the items' order, a {@link TargetResult} per target. */
    public Map<UUID, RequestResult> results(List<ErasureItem> items) {
        return results(items, (item, target, result) -> result);
    }

    /**
     * As {@link #results(List)}, each target's result passed through {@code notes}. EXECUTE items get
     * {@code TargetResult.erased(target, deleted, masked, 0)}, DRY_RUN items {@code TargetResult.dryRun(target, deleted, masked)}.
     */
    public Map<UUID, RequestResult> results(List<ErasureItem> items, Notes notes) {
        Map<UUID, RequestResult> results = new LinkedHashMap<>();
        for (ErasureItem item : items) {
            List<TargetResult> perTarget = new ArrayList<>(targets.size());
            for (int t = 0; t < targets.size(); t++) {
                String target = targets.get(t);
                long[] n = of(item, target);
                TargetResult r = item.dryRun() ? TargetResult.dryRun(target, n[0], n[1]) : TargetResult.erased(target, n[0], n[1], 0);
                perTarget.add(notes.apply(item, t, r));
            }
            results.put(item.requestId(), RequestResult.erased(perTarget));
        }
        return results;
    }

    /** One residual per target for each item, in the items' order: what {@link #found} counted. */
    public Map<UUID, List<TargetResidual>> residuals(List<ErasureItem> items) {
        Map<UUID, List<TargetResidual>> residuals = new LinkedHashMap<>();
        for (ErasureItem item : items) {
            residuals.put(item.requestId(), targets.stream().map(target -> new TargetResidual(target, total(item, target))).toList());
        }
        return residuals;
    }

    private void add(ErasureItem item, String target, int slot, long n) {
        if (!known.contains(target)) {
            throw new IllegalArgumentException("not a target of this store: " + target);
        }
        counts.computeIfAbsent(item.requestId(), k -> new HashMap<>()).computeIfAbsent(target, k -> new long[2])[slot] += n;
    }

    private long[] of(ErasureItem item, String target) {
        long[] n = counts.getOrDefault(item.requestId(), Map.of()).get(target);
        return n == null ? new long[2] : n;
    }
}
