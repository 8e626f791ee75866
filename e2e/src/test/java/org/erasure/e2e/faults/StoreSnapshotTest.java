package org.erasure.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.KafkaSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.faults.StoreSnapshot.Counts;
import org.erasure.events.Phase;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The fault test's judge can fail: the counts it expects are the seeded world's, an untouched store
 * shows no problem, and in every store a changed neighbour and an "erased" contributor left in place
 * are both reported.
 */
@DevStackTest
class StoreSnapshotTest {

    private static final int SIZE = 30;
    private static final int ERASED = 0;
    private static final int LEFT_IN_PLACE = 1;
    private static final int NEIGHBOUR = 2;

    @Test
    void expectationsMatchTheSeededWorldAndNeighbourChangesAndLeftoversAreReported(DevStack stack, TestNames names) throws Exception {
        SampleWorld world = SampleWorld.isolated(SIZE);
        SeedNames seedNames = SeedNames.unique(names);
        List<DevStack.Service> stores = List.of(DevStack.Service.POSTGRES, DevStack.Service.REDIS, DevStack.Service.S3,
                DevStack.Service.ELASTICSEARCH, DevStack.Service.CLICKHOUSE, DevStack.Service.KAFKA);
        stack.startAll(stores);
        WorldSeeder.seed(stack, world, seedNames, stores);
        Map<Phase, StoreSnapshot> before = StoreSnapshot.takeAll(stack, seedNames, world);

        for (int i = 0; i < SIZE; i++) {
            assertThat(before.get(Phase.POSTGRES).erasable(id(world, i))).containsExactly(
                    Map.entry(SampleWorld.PG_JOB_MAPPING, Counts.deleted(SampleWorld.jobCount(i))),
                    Map.entry(SampleWorld.PG_PROJECT_STATS, Counts.deleted(SampleWorld.projectCount(i))),
                    Map.entry(SampleWorld.PG_CONTRIBUTORS, Counts.masked(1)));
            assertThat(before.get(Phase.CLICKHOUSE).erasable(id(world, i))).containsExactly(
                    Map.entry(SampleWorld.CH_UNIT_METRICS, Counts.masked(SampleWorld.CH_UNIT_METRICS_ROWS)),
                    Map.entry(SampleWorld.CH_UNIT_METRICS_HOURLY, Counts.masked(SampleWorld.CH_HOURLY_ROWS)),
                    Map.entry(SampleWorld.CH_ACCRUED_STATS, Counts.masked(SampleWorld.CH_ACCRUED_ROWS)));
            assertThat(before.get(Phase.ELASTICSEARCH).erasable(id(world, i)))
                    .containsExactly(Map.entry(seedNames.esIndexPrefix() + "*", Counts.masked(world.esDocumentsOf(i))));
            List<SampleWorld.S3Object> objects = world.s3ObjectsOf(i);
            assertThat(before.get(Phase.S3).erasable(id(world, i))).containsExactly(
                    Map.entry(seedNames.s3Bucket() + "/contributors/{contributorId}/", Counts.deleted(objects.get(0).versions())),
                    Map.entry(seedNames.s3Bucket() + "/uploads/{contributorId}/", Counts.deleted(objects.get(1).versions())));
            assertThat(before.get(Phase.REDIS).erasable(id(world, i))).containsExactly(
                    Map.entry("session:{contributorId}:*", Counts.deleted(1)),
                    Map.entry("auth-cache:{contributorId}", Counts.deleted(1)),
                    Map.entry("job-assignment:{contributorId}", Counts.deleted(1)),
                    Map.entry(SampleWorld.REDIS_ONLINE_SET, Counts.deleted(world.isOnline(i) ? 1 : 0)));
            assertThat(before.get(Phase.KAFKA).erasable(id(world, i))).containsExactly(
                    Map.entry(KafkaSeeder.profilesTopic(seedNames), Counts.deleted(1)),
                    Map.entry(ClickHouseSeeder.kafkaTopic(seedNames.chDatabase()), Counts.ZERO));
        }
        Map<Phase, StoreSnapshot> unchanged = StoreSnapshot.takeAll(stack, seedNames, world);
        for (Phase phase : Phase.values()) {
            assertThat(before.get(phase).problemsAfterErasure(unchanged.get(phase), Set.of())).as("%s untouched", phase).isEmpty();
        }

        eraseByHand(stack, seedNames, world, ERASED);
        changeNeighbour(stack, seedNames, world, NEIGHBOUR);
        Map<Phase, StoreSnapshot> after = StoreSnapshot.takeAll(stack, seedNames, world);
        Set<Long> erased = Set.of(id(world, ERASED), id(world, LEFT_IN_PLACE));
        for (Phase phase : Phase.values()) {
            List<String> problems = before.get(phase).problemsAfterErasure(after.get(phase), erased);
            assertThat(problems).as("%s: the neighbour's change is reported", phase)
                    .anyMatch(p -> p.contains("neighbour " + id(world, NEIGHBOUR)) || p.contains("owner " + id(world, NEIGHBOUR)));
            assertThat(problems).as("%s: the contributor left in place is reported", phase)
                    .anyMatch(p -> p.contains(Long.toString(id(world, LEFT_IN_PLACE))));
            assertThat(problems).as("%s: the contributor erased by hand is fine", phase)
                    .noneMatch(p -> p.contains(Long.toString(id(world, ERASED))));
        }
    }

    private static long id(SampleWorld world, int index) {
        return world.contributor(index).id();
    }

    /** What the sinks do, for one contributor, with the stores' own clients. */
    private static void eraseByHand(DevStack stack, SeedNames names, SampleWorld world, int index) throws Exception {
        long id = id(world, index);
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            String schema = '"' + names.pgSchema() + '"';
            s.execute("DELETE FROM " + schema + "." + SampleWorld.PG_JOB_MAPPING + " WHERE contributor_id = " + id);
            s.execute("DELETE FROM " + schema + "." + SampleWorld.PG_PROJECT_STATS + " WHERE contributor_id = " + id);
            s.execute("UPDATE " + schema + "." + SampleWorld.PG_CONTRIBUTORS
                    + " SET email = 'DELETED_USER', first_name = NULL, last_name = NULL, erased_at = now() WHERE id = " + id);
        }
        for (String table : ClickHouseSnapshot.TABLES) {
            stack.clickhouse().query("ALTER TABLE `" + names.chDatabase() + "`." + table + " UPDATE email = 'DELETED_USER'"
                    + " WHERE contributor_id = " + id + " SETTINGS mutations_sync = 2");
        }
        try (ElasticsearchClient es = stack.elasticsearch().newClient()) {
            ElasticsearchSnapshot snapshot = ElasticsearchSnapshot.take(stack.elasticsearch(), names.esIndexPrefix());
            for (Map.Entry<String, Map<String, Object>> doc : snapshot.documents().entrySet()) {
                Map<String, Object> source = doc.getValue();
                boolean changed = false;
                for (Object element : elementsOf(source)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> e = (Map<String, Object>) element;
                    if (Long.toString(id).equals(e.get("workerId"))) {
                        e.put("workerId", "DELETED_USER");
                        e.put("workerEmail", "DELETED_USER");
                        changed = true;
                    }
                }
                if (changed) {
                    String[] at = doc.getKey().split("/", 2);
                    es.index(i -> i.index(at[0]).id(at[1]).document(source));
                }
            }
        }
        try (S3Client s3 = stack.s3().newClient()) {
            for (var page : s3.listObjectVersionsPaginator(l -> l.bucket(names.s3Bucket()))) {
                page.versions().stream().filter(v -> S3Snapshot.owner(v.key()) == id)
                        .forEach(v -> s3.deleteObject(d -> d.bucket(names.s3Bucket()).key(v.key()).versionId(v.versionId())));
            }
        }
        RedissonClient redis = stack.redis().newRedissonClient();
        try {
            redis.getKeys().delete(world.redisKeysOf(index).toArray(String[]::new));
            redis.getSet(SampleWorld.REDIS_ONLINE_SET).remove(Long.toString(id));
        } finally {
            redis.shutdown();
        }
        sendProfile(stack, names, id, null); // a tombstone, as sink-kafka writes
    }

    /** Writes {@code value} (null: a tombstone) under the contributor's key of the profile topic, and waits for it. */
    private static void sendProfile(DevStack stack, SeedNames names, long id, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(stack.kafka().producerConfig())) {
            producer.send(new ProducerRecord<>(KafkaSeeder.profilesTopic(names), Long.toString(id), value)).get();
        }
    }

    private static List<Object> elementsOf(Map<String, Object> source) {
        List<Object> elements = new java.util.ArrayList<>();
        elements.add(source.get("latest"));
        elements.addAll((List<?>) source.get("judgments"));
        return elements;
    }

    /** One small change per store to a neighbour's data. */
    private static void changeNeighbour(DevStack stack, SeedNames names, SampleWorld world, int index) throws Exception {
        long id = id(world, index);
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE \"" + names.pgSchema() + "\"." + SampleWorld.PG_JOB_MAPPING + " SET job_id = job_id + 1 WHERE contributor_id = " + id);
        }
        stack.clickhouse().query("ALTER TABLE `" + names.chDatabase() + "`." + SampleWorld.CH_ACCRUED_STATS
                + " UPDATE total_judgments = total_judgments + 1 WHERE contributor_id = " + id + " SETTINGS mutations_sync = 2");
        try (ElasticsearchClient es = stack.elasticsearch().newClient()) {
            ElasticsearchSnapshot snapshot = ElasticsearchSnapshot.take(stack.elasticsearch(), names.esIndexPrefix());
            Map.Entry<String, Map<String, Object>> doc = snapshot.documents().entrySet().stream()
                    .filter(d -> elementsOf(d.getValue()).stream().anyMatch(e -> Long.toString(id).equals(((Map<?, ?>) e).get("workerId"))))
                    .findFirst().orElseThrow();
            for (Object element : elementsOf(doc.getValue())) {
                @SuppressWarnings("unchecked")
                Map<String, Object> e = (Map<String, Object>) element;
                if (Long.toString(id).equals(e.get("workerId"))) {
                    e.put("answer", "changed");
                }
            }
            String[] at = doc.getKey().split("/", 2);
            es.index(i -> i.index(at[0]).id(at[1]).document(doc.getValue()));
        }
        try (S3Client s3 = stack.s3().newClient()) {
            s3.putObject(p -> p.bucket(names.s3Bucket()).key(world.s3ObjectsOf(index).get(1).key()),
                    RequestBody.fromString("changed", StandardCharsets.UTF_8));
        }
        RedissonClient redis = stack.redis().newRedissonClient();
        try {
            redis.getBucket(world.redisKeysOf(index).get(1)).set("changed");
        } finally {
            redis.shutdown();
        }
        sendProfile(stack, names, id, "{\"contributorId\":" + id + ",\"version\":3}");
    }
}
