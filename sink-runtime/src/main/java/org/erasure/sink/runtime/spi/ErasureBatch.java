package org.erasure.sink.runtime.spi;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The requests of one store operation: non-empty, at most one item per contributorId, in record
 * order. May mix EXECUTE and DRY_RUN items.
 */
public record ErasureBatch(List<ErasureItem> items) {

    public ErasureBatch {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a batch is never empty");
        }
        Set<String> seen = new HashSet<>();
        for (ErasureItem item : items) {
            if (!seen.add(item.contributorId())) {
                throw new IllegalArgumentException("a batch holds each contributorId at most once");
            }
        }
    }

    public static ErasureBatch of(ErasureItem... items) {
        return new ErasureBatch(List.of(items));
    }

    public int size() {
        return items.size();
    }

    /** The EXECUTE items. */
    public List<ErasureItem> executes() {
        return items.stream().filter(i -> !i.dryRun()).toList();
    }

    /** The DRY_RUN items. */
    public List<ErasureItem> dryRuns() {
        return items.stream().filter(ErasureItem::dryRun).toList();
    }

    /** A sub-batch (used by the runtime to bisect a failing batch). */
    public ErasureBatch subList(int from, int to) {
        return new ErasureBatch(items.subList(from, to));
    }
}
