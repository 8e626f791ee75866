package org.erasure.e2e.faults;

import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.Phase;

/**
 * What one store holds about the contributors of a seeded world, read with the store's own client
 * (never through a sink). Taken before the run, it says what erasing each contributor must report;
 * compared with one taken after, it says whether exactly the erased contributors changed, and only in
 * their personal fields.
 */
interface StoreSnapshot {

    /** Records an erasure deletes and masks in one target (a table, index pattern, key pattern, prefix). */
    record Counts(long deleted, long masked) {
        static final Counts ZERO = new Counts(0, 0);

        static Counts deleted(long n) {
            return new Counts(n, 0);
        }

        static Counts masked(long n) {
            return new Counts(0, n);
        }

        @Override
        public String toString() {
            return "deleted " + deleted + ", masked " + masked;
        }
    }

    Phase phase();

    /** What erasing {@code contributorId} deletes and masks, by the sink's target name (zero counts included). */
    Map<String, Counts> erasable(long contributorId);

    /**
     * Problems found when this snapshot (taken before) is compared with {@code after}: an erased
     * contributor's personal data left, or anything else changed (a neighbour's data, an erased
     * contributor's non-personal fields, unrelated data). Empty when the store is exactly erased.
     */
    List<String> problemsAfterErasure(StoreSnapshot after, Set<Long> erased);

    /** A snapshot of every store the world was seeded into. */
    static Map<Phase, StoreSnapshot> takeAll(DevStack stack, SeedNames names, SampleWorld world) throws Exception {
        Map<Phase, StoreSnapshot> snapshots = new TreeMap<>();
        snapshots.put(Phase.POSTGRES, PostgresSnapshot.take(stack.postgres(), names.pgSchema(), world));
        snapshots.put(Phase.CLICKHOUSE, ClickHouseSnapshot.take(stack.clickhouse(), names.chDatabase(), world));
        snapshots.put(Phase.ELASTICSEARCH, ElasticsearchSnapshot.take(stack.elasticsearch(), names.esIndexPrefix()));
        snapshots.put(Phase.S3, S3Snapshot.take(stack.s3(), names.s3Bucket()));
        snapshots.put(Phase.REDIS, RedisSnapshot.take(stack.redis(), world));
        snapshots.put(Phase.KAFKA, KafkaSnapshot.take(stack.kafka(), names));
        return snapshots;
    }
}
