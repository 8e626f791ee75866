package org.erasure.e2e.bench.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.erasure.devstack.seed.SampleWorld;

/**
 * Which contributors a workload erases: spread evenly over the world (an inactivity purge finds
 * people everywhere, not one block of neighbours), so the same share of documents, parts and keys is
 * touched at every size.
 */
final class Subjects {

    private Subjects() {}

    /** {@code n} distinct indices {@code i * size / n}; {@code n <= size}. */
    static List<Integer> spread(int n, int size) {
        if (n > size || n < 0) {
            throw new IllegalArgumentException(n + " contributors out of a world of " + size);
        }
        List<Integer> indices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            indices.add((int) ((long) i * size / n));
        }
        return indices;
    }

    /** The first index that is not in {@code taken} (sorted ascending, as {@link #spread} returns them). */
    static int firstOutside(List<Integer> taken, int size) {
        int expected = 0;
        for (int index : taken) {
            if (index != expected) {
                return expected;
            }
            expected++;
        }
        if (expected >= size) {
            throw new IllegalArgumentException("every contributor is taken");
        }
        return expected;
    }

    static List<SampleWorld.Contributor> of(SampleWorld world, List<Integer> indices) {
        return indices.stream().map(world::contributor).toList();
    }
}
