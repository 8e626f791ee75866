package org.erasure.devstack.seed;

import org.erasure.devstack.junit.TestNames;

/**
 * Where a sample world is seeded. The defaults are the real names of mission-context.md; tests use
 * unique ones so they can share one server per store.
 */
public record SeedNames(String pgSchema, String esIndexPrefix, String chDatabase, String s3Bucket) {

    public static SeedNames defaults() {
        return new SeedNames("public", SampleWorld.ES_INDEX_PREFIX, SampleWorld.CH_DATABASE, SampleWorld.S3_BUCKET);
    }

    public static SeedNames unique(TestNames names) {
        return new SeedNames(names.table("kepler"), names.index("t") + "-" + SampleWorld.ES_INDEX_PREFIX,
                names.table("kepler"), names.bucket("files"));
    }
}
