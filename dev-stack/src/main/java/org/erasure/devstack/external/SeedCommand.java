package org.erasure.devstack.external;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import java.io.PrintStream;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.ElasticsearchSeeder;
import org.erasure.devstack.seed.PostgresSeeder;
import org.erasure.devstack.seed.RedisSeeder;
import org.erasure.devstack.seed.S3Seeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedResult;
import org.redisson.api.RedissonClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code stack-tool seed}: the dev-stack's sample world, loaded into the given servers with the same
 * seeders. Once: when PostgreSQL already holds contributors it does nothing (PostgreSQL is seeded last,
 * after every other store succeeded, so a failed run is retried whole).
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = "Seed the sample world into the given servers, unless PostgreSQL already holds contributors.")
final class SeedCommand implements Callable<Integer> {

    @Mixin
    ServerOptions servers;

    @Option(names = "--contributors", defaultValue = "1000", description = "Contributors in the sample world (default: ${DEFAULT-VALUE}).")
    int contributors;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (servers.postgresUrl == null) {
            throw new IllegalArgumentException("seed needs --postgres-url (the source of truth, and the marker of a seeded world)");
        }
        try (Connection c = servers.postgres()) {
            long rows = PostgresSeeder.contributorRows(c, servers.postgresSchema);
            if (rows > 0) {
                out.println("PostgreSQL already holds " + rows + " contributors: nothing to seed");
                return 0;
            }
        }
        SampleWorld world = SampleWorld.ofSize(contributors);
        List<SeedResult> results = new ArrayList<>(seedOtherStores(world));
        try (Connection c = servers.postgres()) {
            results.add(PostgresSeeder.seed(c, servers.postgresSchema, world));
        }
        out.println("seeded " + contributors + " contributors:");
        results.forEach(r -> out.println("  " + r));
        return 0;
    }

    private List<SeedResult> seedOtherStores(SampleWorld world) {
        List<Supplier<SeedResult>> seeders = new ArrayList<>();
        if (servers.redis != null) {
            seeders.add(() -> {
                RedissonClient client = servers.redis();
                try {
                    return RedisSeeder.seed(client, world);
                } finally {
                    client.shutdown();
                }
            });
        }
        if (servers.s3Endpoint != null) {
            seeders.add(() -> {
                try (S3Client s3 = servers.s3()) {
                    return S3Seeder.seed(s3, servers.s3Bucket, world);
                }
            });
        }
        if (servers.elasticsearch != null) {
            seeders.add(() -> {
                try (ElasticsearchClient es = servers.elasticsearch()) {
                    return ElasticsearchSeeder.seed(es, servers.elasticsearchIndexPrefix, world);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("closing the Elasticsearch client", e);
                }
            });
        }
        if (servers.clickhouseUrl != null) {
            seeders.add(() -> ClickHouseSeeder.seed(servers.clickhouse(), servers.clickhouseDatabase, world, servers.kafka));
        }
        List<CompletableFuture<SeedResult>> running = seeders.stream().map(CompletableFuture::supplyAsync).toList();
        try {
            return running.stream().map(CompletableFuture::join).toList();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

}
