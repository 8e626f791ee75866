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
 * Acceptance: every sink as its own process (its jar) against the dev-stack. Requests for 1,000 seeded
 * contributors → one SUCCEEDED PhaseCompleted with residual 0 per request and sink, and the stores
 * show exactly those contributors erased (100 more seeded contributors stay untouched).
 */
@DevStackTest
class SinksAsProcessesTest {

    private static final Logger log = LoggerFactory.getLogger(SinksAsProcessesTest.class);
    private static final int ERASED = 1_000;
    private static final int NEIGHBOURS = 100;
    static final EnumSet<SinkKind> SINKS = EnumSet.allOf(SinkKind.class);

    @Test
    void everySinkProcessErasesExactlyTheRequestedContributors(DevStack stack, TestNames names, @TempDir Path dir) throws Exception {
        SampleWorld world = SampleWorld.isolated(ERASED + NEIGHBOURS);
        SeedNames seedNames = SeedNames.unique(names);
        List<DevStack.Service> stores = SINKS.stream().map(k -> DevStack.Service.valueOf(k.phase().name())).toList();
        stack.startAll(stores);
        WorldSeeder.seed(stack, world, seedNames, stores);

        Topics topics = Topics.withPrefix(names.stem() + ".");
        List<Phase> phases = SINKS.stream().map(SinkKind::phase).toList();
        List<ServiceProcess> sinks = new ArrayList<>();
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, 3)) {
            for (SinkKind kind : SINKS) {
                String hocon = PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), kind, "e2e", 500)
                        + kind.storeHocon(stack, seedNames);
                sinks.add(ServiceProcess.start("sink-" + kind.id(), kind.jar(), hocon, dir, List.of()));
            }
            List<ContributorErasureRequested> requests = IntStream.range(0, ERASED)
                    .mapToObj(i -> ErasureTraffic.request(world.contributor(i), Mode.EXECUTE, phases)).toList();
            long begin = System.nanoTime();
            traffic.publish(requests);

            long expected = (long) ERASED * SINKS.size();
            boolean done = traffic.pollUntil(() -> traffic.poll() >= expected || sinks.stream().anyMatch(s -> !s.isAlive()),
                    Duration.ofMinutes(5));
            log.info("MEASURED {} PhaseCompleted from {} sink processes in {} ms", traffic.poll(), SINKS.size(),
                    (System.nanoTime() - begin) / 1_000_000);
            assertThat(sinks).as("sink processes alive; outputs: %s", outputs(sinks)).allMatch(ServiceProcess::isAlive);
            assertThat(done).isTrue();

            Map<UUID, List<PhaseCompleted>> byRequest = traffic.completions();
            assertThat(byRequest).hasSize(ERASED);
            for (ContributorErasureRequested r : requests) {
                assertThat(byRequest.get(r.requestId())).extracting(PhaseCompleted::phase)
                        .containsExactlyInAnyOrderElementsOf(phases);
                assertThat(byRequest.get(r.requestId())).allSatisfy(pc -> {
                    assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                    assertThat(pc.totalResidual()).isZero();
                    assertThat(pc.verification().verified()).isTrue();
                });
            }
        } finally {
            sinks.forEach(ServiceProcess::close);
        }
        assertPostgresErasedExactly(stack, seedNames, world);
        assertClickHouseMaskedExactly(stack, seedNames, world);
        assertS3DeletedExactly(stack, seedNames, world);
        assertRedisClearedExactly(stack, world);
        assertElasticsearchMaskedExactly(stack, seedNames, world);
    }

    /** Erased workers' values are masked in every document; neighbours' entries in the same documents stay. */
    private static void assertElasticsearchMaskedExactly(DevStack stack, SeedNames names, SampleWorld world) throws Exception {
        try (ElasticsearchClient es = stack.elasticsearch().newClient()) {
            String indices = names.esIndexPrefix() + "*";
            es.indices().refresh(r -> r.index(indices));
            List<FieldValue> erasedEmails = IntStream.range(0, ERASED).mapToObj(i -> FieldValue.of(world.contributor(i).email())).toList();
            List<FieldValue> neighbourEmails = IntStream.range(ERASED, ERASED + NEIGHBOURS)
                    .mapToObj(i -> FieldValue.of(world.contributor(i).email())).toList();
            long stillNamed = es.count(c -> c.index(indices).query(q -> q.bool(b -> b
                    .should(s -> s.terms(t -> t.field("judgments.workerEmail").terms(v -> v.value(erasedEmails))))
                    .should(s -> s.terms(t -> t.field("latest.workerEmail").terms(v -> v.value(erasedEmails))))))).count();
            long neighbourDocs = es.count(c -> c.index(indices)
                    .query(q -> q.terms(t -> t.field("judgments.workerEmail").terms(v -> v.value(neighbourEmails))))).count();
            long expectedNeighbourDocs = IntStream.range(0, world.esDocumentCount())
                    .filter(d -> world.esDocument(d).workers().stream().anyMatch(w -> w.index() >= ERASED)).count();
            assertThat(stillNamed).as("documents still naming an erased contributor").isZero();
            assertThat(neighbourDocs).as("documents still naming their (untouched) neighbours").isEqualTo(expectedNeighbourDocs);
            assertThat(es.count(c -> c.index(indices)).count()).as("documents stay").isEqualTo(world.esDocumentCount());
        }
    }

    private static void assertClickHouseMaskedExactly(DevStack stack, SeedNames names, SampleWorld world) {
        long firstNeighbour = world.firstId() + ERASED;
        Map<String, Integer> rowsPerContributor = Map.of(SampleWorld.CH_UNIT_METRICS, SampleWorld.CH_UNIT_METRICS_ROWS,
                SampleWorld.CH_UNIT_METRICS_HOURLY, SampleWorld.CH_HOURLY_ROWS, SampleWorld.CH_ACCRUED_STATS, SampleWorld.CH_ACCRUED_ROWS);
        rowsPerContributor.forEach((table, perContributor) -> {
            String counts = stack.clickhouse().query("SELECT"
                    + " countIf(contributor_id < " + firstNeighbour + " AND email = 'DELETED_USER'),"
                    + " countIf(contributor_id < " + firstNeighbour + " AND email != 'DELETED_USER'),"
                    + " countIf(contributor_id >= " + firstNeighbour + " AND email LIKE 'contributor.%')"
                    + " FROM `" + names.chDatabase() + "`." + table).strip();
            assertThat(counts).as(table + ": masked, still unmasked, untouched neighbours")
                    .isEqualTo(ERASED * perContributor + "\t0\t" + NEIGHBOURS * perContributor);
        });
    }

    private static void assertS3DeletedExactly(DevStack stack, SeedNames names, SampleWorld world) {
        long erasedLeft = 0;
        long neighbourVersions = 0;
        try (S3Client s3 = stack.s3().newClient()) {
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(l -> l.bucket(names.s3Bucket()))) {
                for (ObjectVersion v : page.versions()) {
                    long id = idInKey(v.key());
                    if (id >= world.firstId() + ERASED) {
                        neighbourVersions++;
                    } else if (id >= 0) {
                        erasedLeft++;
                    }
                }
                erasedLeft += page.deleteMarkers().size();
            }
        }
        long expectedNeighbours = IntStream.range(ERASED, ERASED + NEIGHBOURS)
                .mapToLong(i -> world.s3ObjectsOf(i).stream().mapToInt(SampleWorld.S3Object::versions).sum()).sum();
        assertThat(erasedLeft).as("S3 versions and delete markers left of erased contributors").isZero();
        assertThat(neighbourVersions).as("S3 versions of neighbours").isEqualTo(expectedNeighbours);
    }

    /** The contributor id in {@code contributors/<id>/...} or {@code uploads/<id>/...}; -1 for unrelated keys. */
    private static long idInKey(String key) {
        String[] parts = key.split("/");
        return parts.length > 2 && parts[1].matches("[0-9]+") ? Long.parseLong(parts[1]) : -1;
    }

    private static void assertRedisClearedExactly(DevStack stack, SampleWorld world) {
        RedissonClient redis = stack.redis().newRedissonClient();
        try {
            String[] erasedKeys = IntStream.range(0, ERASED).boxed().flatMap(i -> world.redisKeysOf(i).stream()).toArray(String[]::new);
            String[] neighbourKeys = IntStream.range(ERASED, ERASED + NEIGHBOURS).boxed().flatMap(i -> world.redisKeysOf(i).stream()).toArray(String[]::new);
            assertThat(redis.getKeys().countExists(erasedKeys)).as("Redis keys of erased contributors").isZero();
            assertThat(redis.getKeys().countExists(neighbourKeys)).as("Redis keys of neighbours").isEqualTo(3L * NEIGHBOURS);
            var online = redis.<String>getSet(SampleWorld.REDIS_ONLINE_SET);
            assertThat(IntStream.range(0, ERASED).filter(i -> online.contains(Long.toString(world.contributor(i).id())))).isEmpty();
            assertThat(IntStream.range(ERASED, ERASED + NEIGHBOURS).filter(world::isOnline)
                    .allMatch(i -> online.contains(Long.toString(world.contributor(i).id())))).isTrue();
        } finally {
            redis.shutdown();
        }
    }

    private static void assertPostgresErasedExactly(DevStack stack, SeedNames names, SampleWorld world) throws Exception {
        long firstNeighbour = world.firstId() + ERASED;
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            String schema = '"' + names.pgSchema() + '"';
            try (ResultSet rs = s.executeQuery("SELECT"
                    + " count(*) FILTER (WHERE id < " + firstNeighbour + " AND email = 'DELETED_USER' AND first_name IS NULL AND erased_at IS NOT NULL),"
                    + " count(*) FILTER (WHERE id >= " + firstNeighbour + " AND email LIKE 'contributor.%' AND first_name IS NOT NULL AND erased_at IS NULL)"
                    + " FROM " + schema + "." + SampleWorld.PG_CONTRIBUTORS)) {
                rs.next();
                assertThat(rs.getLong(1)).as("masked contributors").isEqualTo(ERASED);
                assertThat(rs.getLong(2)).as("untouched neighbours").isEqualTo(NEIGHBOURS);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE contributor_id < " + firstNeighbour + "), count(*) FROM "
                    + schema + "." + SampleWorld.PG_JOB_MAPPING)) {
                rs.next();
                long neighbourJobs = IntStream.range(ERASED, ERASED + NEIGHBOURS).mapToLong(SampleWorld::jobCount).sum();
                assertThat(rs.getLong(1)).as("job mappings of erased contributors").isZero();
                assertThat(rs.getLong(2)).as("job mappings of neighbours").isEqualTo(neighbourJobs);
            }
        }
    }

    private static String outputs(List<ServiceProcess> sinks) {
        StringBuilder out = new StringBuilder();
        sinks.stream().filter(s -> !s.isAlive()).forEach(s -> out.append('\n').append(s.name()).append(":\n").append(s.output()));
        return out.toString();
    }
}
