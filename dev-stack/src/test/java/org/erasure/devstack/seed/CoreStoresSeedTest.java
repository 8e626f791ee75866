package org.erasure.devstack.seed;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.s3.S3Server;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import software.amazon.awssdk.services.s3.S3Client;

/** The seeded world lands in each core store with the promised shape, counted in the store itself. */
@DevStackTest
class CoreStoresSeedTest {

    private final SampleWorld world = SampleWorld.isolated(300);

    @Test
    void postgresHoldsTheContributorTables(PostgresServer postgres, TestNames names) throws Exception {
        SeedNames target = SeedNames.unique(names);
        try (Connection c = postgres.newConnection()) {
            SeedResult result = PostgresSeeder.seed(c, target.pgSchema(), world);
            assertThat(result.counts()).containsEntry(SampleWorld.PG_CONTRIBUTORS, 300L)
                    .containsEntry(SampleWorld.PG_JOB_MAPPING, world.jobMappingRows())
                    .containsEntry(SampleWorld.PG_PROJECT_STATS, world.projectStatsRows());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FILTER (WHERE status = 'INACTIVE'), count(DISTINCT email), min(id) FROM \""
                            + target.pgSchema() + "\"." + SampleWorld.PG_CONTRIBUTORS)) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(100); // every third contributor
                assertThat(rs.getLong(2)).isEqualTo(300);
                assertThat(rs.getLong(3)).isEqualTo(world.firstId());
            }
        }
        assertThat(world.jobMappingRows()).isEqualTo(IntStream.range(0, 300).map(i -> 1 + i % 4).sum());
    }

    @Test
    void redisHoldsSessionsCachesAndAssignments(RedisServer redis) {
        RedissonClient client = redis.newRedissonClient();
        try {
            SeedResult result = RedisSeeder.seed(client, world);
            String[] keys = IntStream.range(0, world.size()).boxed()
                    .flatMap(i -> world.redisKeysOf(i).stream()).toArray(String[]::new);
            assertThat(client.getKeys().countExists(keys)).isEqualTo(900);
            assertThat(client.getSet(SampleWorld.REDIS_ONLINE_SET).contains(Long.toString(world.firstId()))).isTrue();
            assertThat(client.getMap(world.redisKeysOf(3).get(2)).size()).isEqualTo(SampleWorld.jobCount(3));
            assertThat(result.counts()).containsEntry("contributor keys", 900L);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void s3HoldsVersionedObjectsPerContributor(S3Server s3, TestNames names) {
        String bucket = SeedNames.unique(names).s3Bucket();
        try (S3Client client = s3.newClient()) {
            SeedResult result = S3Seeder.seed(client, bucket, world);
            AtomicLong versions = new AtomicLong();
            client.listObjectVersionsPaginator(l -> l.bucket(bucket)).forEach(page -> versions.addAndGet(page.versions().size()));
            assertThat(versions.get()).isEqualTo(world.s3VersionCount() + SampleWorld.S3_UNRELATED_KEYS.size());
            assertThat(world.s3VersionCount()).isEqualTo(660); // 600 objects, every fifth profile twice
            long ofFirst = client.listObjectVersions(l -> l.bucket(bucket).prefix("contributors/" + world.firstId() + "/")).versions().size();
            assertThat(ofFirst).isEqualTo(2);
            assertThat(result.counts()).containsEntry("versions", 660L);
        }
    }
}
