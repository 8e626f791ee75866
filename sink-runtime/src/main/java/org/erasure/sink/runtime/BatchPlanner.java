package org.erasure.sink.runtime;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * Cuts the requests of one poll into store batches: at most {@code maxSize} items each, each
 * contributorId at most once per batch (a second request for the same person goes into a later
 * batch, so per-request attribution is unambiguous and the later one sees the earlier one's effect),
 * record order otherwise kept.
 */
public final class BatchPlanner {

    private BatchPlanner() {}

    public static List<ErasureBatch> plan(List<ErasureItem> items, int maxSize) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be >= 1");
        }
        List<ErasureBatch> batches = new ArrayList<>();
        List<ErasureItem> remaining = new ArrayList<>(items);
        while (!remaining.isEmpty()) {
            Map<String, ErasureItem> current = new LinkedHashMap<>();
            List<ErasureItem> later = new ArrayList<>();
            Set<String> deferred = new HashSet<>();
            for (ErasureItem item : remaining) {
                String id = item.contributorId();
                // Once one request of a person is deferred, all later ones are too (keeps their order).
                if (current.size() < maxSize && !current.containsKey(id) && !deferred.contains(id)) {
                    current.put(id, item);
                } else {
                    deferred.add(id);
                    later.add(item);
                }
            }
            batches.add(new ErasureBatch(new ArrayList<>(current.values())));
            remaining = later;
        }
        return batches;
    }
}
