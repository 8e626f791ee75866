package org.erasure.e2e.bench.pipeline;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.SeedResult;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.bench.pipeline.report.BenchReport.Seed;
import org.redisson.api.RedissonClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * A fresh sample world for every workload, under the default names (so each sink runs with its
 * reference.conf mapping): the previous world is dropped from every store, then the dev-stack
 * seeder loads a new one. Every workload thus erases the same kind of data from the same sizes.
 */
final class FreshWorld {

    private static final SeedNames NAMES = SeedNames.defaults();

    private FreshWorld() {}

    record Seeded(SampleWorld world, Seed seed) {}

    static Seeded reseed(DevStack stack, int contributors) {
        long begin = System.nanoTime();
        wipe(stack);
        long seeding = System.nanoTime();
        SampleWorld world = SampleWorld.ofSize(contributors);
        List<SeedResult> results = WorldSeeder.seed(stack, world, NAMES, List.of(DevStack.Service.values()));
        keepEveryMutation(stack);
        long end = System.nanoTime();
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        results.forEach(r -> counts.put(r.store(), r.counts()));
        return new Seeded(world, new Seed((seeding - begin) / 1e9, (end - seeding) / 1e9, counts));
    }

    /** Mutations the ClickHouse database has recorded (system.mutations, finished ones included). */
    static long clickhouseMutations(DevStack stack) {
        return Long.parseLong(stack.clickhouse().query("SELECT count() FROM system.mutations WHERE database = '"
                + NAMES.chDatabase() + "'").strip());
    }

    /** MergeTree forgets finished mutations beyond 100 per table; keep them so the count is complete. */
    private static void keepEveryMutation(DevStack stack) {
        for (String table : stack.clickhouse().query("SELECT name FROM system.tables WHERE database = '" + NAMES.chDatabase()
                + "' AND engine LIKE '%MergeTree'").strip().split("\n")) {
            if (!table.isBlank()) {
                stack.clickhouse().query("ALTER TABLE `" + NAMES.chDatabase() + "`.`" + table
                        + "` MODIFY SETTING finished_mutations_to_keep = 1000000000");
            }
        }
    }

    private static void wipe(DevStack stack) {
        List<CompletableFuture<Void>> wiping = new ArrayList<>();
        wiping.add(CompletableFuture.runAsync(() -> wipePostgres(stack)));
        wiping.add(CompletableFuture.runAsync(() -> stack.clickhouse().query("DROP DATABASE IF EXISTS `" + NAMES.chDatabase() + "` SYNC")));
        wiping.add(CompletableFuture.runAsync(() -> wipeElasticsearch(stack)));
        wiping.add(CompletableFuture.runAsync(() -> wipeS3(stack)));
        wiping.add(CompletableFuture.runAsync(() -> {
            RedissonClient redis = stack.redis().newRedissonClient();
            try {
                redis.getKeys().flushall();
            } finally {
                redis.shutdown();
            }
        }));
        try {
            CompletableFuture.allOf(wiping.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static void wipePostgres(DevStack stack) {
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            String schema = "\"" + NAMES.pgSchema().replace("\"", "\"\"") + "\"";
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop the PostgreSQL world: " + e.getMessage(), e);
        }
    }

    private static void wipeElasticsearch(DevStack stack) {
        try (ElasticsearchClient es = stack.elasticsearch().newClient()) {
            List<String> indices = List.copyOf(es.indices().get(g -> g.index(NAMES.esIndexPrefix() + "*")).indices().keySet());
            if (!indices.isEmpty()) {
                es.indices().delete(d -> d.index(indices));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot drop the Elasticsearch world", e);
        }
    }

    /** A bucket can only be dropped empty: every version and delete marker goes first. */
    private static void wipeS3(DevStack stack) {
        String bucket = NAMES.s3Bucket();
        try (S3Client s3 = stack.s3().newClient()) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (NoSuchBucketException absent) {
                return;
            }
            // Listing while deleting can skip versions on some servers (s3proxy does): list everything, delete, look again.
            for (int round = 0; round < 10; round++) {
                List<ObjectIdentifier> all = new ArrayList<>();
                for (ListObjectVersionsResponse r : s3.listObjectVersionsPaginator(l -> l.bucket(bucket).maxKeys(1_000))) {
                    r.versions().forEach(v -> all.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
                    r.deleteMarkers().forEach(m -> all.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
                }
                if (all.isEmpty()) {
                    break;
                }
                for (int from = 0; from < all.size(); from += 1_000) {
                    List<ObjectIdentifier> chunk = all.subList(from, Math.min(all.size(), from + 1_000));
                    s3.deleteObjects(d -> d.bucket(bucket).delete(x -> x.objects(chunk).quiet(true)));
                }
            }
            s3.deleteBucket(b -> b.bucket(bucket));
        }
    }
}
