package org.erasure.devstack.seed;

import java.time.Duration;
import java.util.Map;

/** What one store received from a seeder: counts per table / index / bucket / key kind. */
public record SeedResult(String store, Map<String, Long> counts, Duration took) {
    @Override
    public String toString() {
        return store + " " + counts + " in " + took.toMillis() + " ms";
    }
}
