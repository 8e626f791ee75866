package org.erasure.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the stores hold after the first {@code erased} contributors of a world were erased and the next {@code untouched}
 * were not (never erased, or erased and restored): exactly those erased, the others as seeded. Shared by the
 * end-to-end tests that erase a world's first contributors.
 */
final class StoresErased {
    private StoresErased() {}

    /** Every store of the default mapping. */
    static void exactly(DevStack stack, SeedNames names, SampleWorld world, int erased, int untouched) throws Exception {
        postgres(stack, names, world, erased, untouched);
        clickHouse(stack, names, world, erased, untouched);
        s3(stack, names, world, erased, untouched);
        redis(stack, world, erased, untouched);
        elasticsearch(stack, names, world, erased, untouched);
    }

    /** Erased workers' values are masked in every document; neighbours' entries in the same documents stay. */
    static void elasticsearch(DevStack stack, SeedNames names, SampleWorld world, int erased, int untouched) throws Exception {
        try (ElasticsearchClient es = stack.elasticsearch().newClient()) {
            String indices = names.esIndexPrefix() + "*";
            es.indices().refresh(r -> r.index(indices));
            List<FieldValue> erasedEmails = IntStream.range(0, erased).mapToObj(i -> FieldValue.of(world.contributor(i).email())).toList();
            List<FieldValue> neighbourEmails = IntStream.range(erased, erased + untouched)
                    .mapToObj(i -> FieldValue.of(world.contributor(i).email())).toList();
            long stillNamed = es.count(c -> c.index(indices).query(q -> q.bool(b -> b
                    .should(s -> s.terms(t -> t.field("judgments.workerEmail").terms(v -> v.value(erasedEmails))))
                    .should(s -> s.terms(t -> t.field("latest.workerEmail").terms(v -> v.value(erasedEmails))))))).count();
            long neighbourDocs = es.count(c -> c.index(indices)
                    .query(q -> q.terms(t -> t.field("judgments.workerEmail").terms(v -> v.value(neighbourEmails))))).count();
            long expectedNeighbourDocs = IntStream.range(0, world.esDocumentCount())
                    .filter(d -> world.esDocument(d).workers().stream().anyMatch(w -> w.index() >= erased)).count();
            assertThat(stillNamed).as("documents still naming an erased contributor").isZero();
            assertThat(neighbourDocs).as("documents still naming their (untouched) neighbours").isEqualTo(expectedNeighbourDocs);
            assertThat(es.count(c -> c.index(indices)).count()).as("documents stay").isEqualTo(world.esDocumentCount());
        }
    }

    static void clickHouse(DevStack stack, SeedNames names, SampleWorld world, int erased, int untouched) {
        long firstNeighbour = world.firstId() + erased;
        Map<String, Integer> rowsPerContributor = Map.of(SampleWorld.CH_UNIT_METRICS, SampleWorld.CH_UNIT_METRICS_ROWS,
                SampleWorld.CH_UNIT_METRICS_HOURLY, SampleWorld.CH_HOURLY_ROWS, SampleWorld.CH_ACCRUED_STATS, SampleWorld.CH_ACCRUED_ROWS);
        rowsPerContributor.forEach((table, perContributor) -> {
            String counts = stack.clickhouse().query("SELECT"
                    + " countIf(contributor_id < " + firstNeighbour + " AND email = 'DELETED_USER'),"
                    + " countIf(contributor_id < " + firstNeighbour + " AND email != 'DELETED_USER'),"
                    + " countIf(contributor_id >= " + firstNeighbour + " AND email LIKE 'contributor.%')"
                    + " FROM `" + names.chDatabase() + "`." + table).strip();
            assertThat(counts).as(table + ": masked, still unmasked, untouched neighbours")
                    .isEqualTo(erased * perContributor + "\t0\t" + untouched * perContributor);
        });
    }

    static void s3(DevStack stack, SeedNames names, SampleWorld world, int erased, int untouched) {
        long erasedLeft = 0;
        long neighbourVersions = 0;
        try (S3Client s3 = stack.s3().newClient()) {
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(l -> l.bucket(names.s3Bucket()))) {
                for (ObjectVersion v : page.versions()) {
                    long id = idInKey(v.key());
                    if (id >= world.firstId() + erased) {
                        neighbourVersions++;
                    } else if (id >= 0) {
                        erasedLeft++;
                    }
                }
                erasedLeft += page.deleteMarkers().size();
            }
        }
        long expectedNeighbours = IntStream.range(erased, erased + untouched)
                .mapToLong(i -> world.s3ObjectsOf(i).stream().mapToInt(SampleWorld.S3Object::versions).sum()).sum();
        assertThat(erasedLeft).as("S3 versions and delete markers left of erased contributors").isZero();
        assertThat(neighbourVersions).as("S3 versions of neighbours").isEqualTo(expectedNeighbours);
    }

    /** The contributor id in {@code contributors/<id>/...} or {@code uploads/<id>/...}; -1 for unrelated keys. */
    private static long idInKey(String key) {
        String[] parts = key.split("/");
        return parts.length > 2 && parts[1].matches("[0-9]+") ? Long.parseLong(parts[1]) : -1;
    }

    static void redis(DevStack stack, SampleWorld world, int erased, int untouched) {
        RedissonClient redis = stack.redis().newRedissonClient();
        try {
            String[] erasedKeys = IntStream.range(0, erased).boxed().flatMap(i -> world.redisKeysOf(i).stream()).toArray(String[]::new);
            String[] neighbourKeys = IntStream.range(erased, erased + untouched).boxed().flatMap(i -> world.redisKeysOf(i).stream()).toArray(String[]::new);
            assertThat(redis.getKeys().countExists(erasedKeys)).as("Redis keys of erased contributors").isZero();
            assertThat(redis.getKeys().countExists(neighbourKeys)).as("Redis keys of neighbours").isEqualTo(3L * untouched);
            var online = redis.<String>getSet(SampleWorld.REDIS_ONLINE_SET);
            assertThat(IntStream.range(0, erased).filter(i -> online.contains(Long.toString(world.contributor(i).id())))).isEmpty();
            assertThat(IntStream.range(erased, erased + untouched).filter(world::isOnline)
                    .allMatch(i -> online.contains(Long.toString(world.contributor(i).id())))).isTrue();
        } finally {
            redis.shutdown();
        }
    }

    static void postgres(DevStack stack, SeedNames names, SampleWorld world, int erased, int untouched) throws Exception {
        long firstNeighbour = world.firstId() + erased;
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            String schema = '"' + names.pgSchema() + '"';
            try (ResultSet rs = s.executeQuery("SELECT"
                    + " count(*) FILTER (WHERE id < " + firstNeighbour + " AND email = 'DELETED_USER' AND first_name IS NULL AND erased_at IS NOT NULL),"
                    + " count(*) FILTER (WHERE id >= " + firstNeighbour + " AND email LIKE 'contributor.%' AND first_name IS NOT NULL AND erased_at IS NULL)"
                    + " FROM " + schema + "." + SampleWorld.PG_CONTRIBUTORS)) {
                rs.next();
                assertThat(rs.getLong(1)).as("masked contributors").isEqualTo(erased);
                assertThat(rs.getLong(2)).as("untouched neighbours").isEqualTo(untouched);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE contributor_id < " + firstNeighbour + "), count(*) FROM "
                    + schema + "." + SampleWorld.PG_JOB_MAPPING)) {
                rs.next();
                long neighbourJobs = IntStream.range(erased, erased + untouched).mapToLong(SampleWorld::jobCount).sum();
                assertThat(rs.getLong(1)).as("job mappings of erased contributors").isZero();
                assertThat(rs.getLong(2)).as("job mappings of neighbours").isEqualTo(neighbourJobs);
            }
        }
    }

}
