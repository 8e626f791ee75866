package org.erasure.devstack.seed;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.DevStack.Service;
import org.redisson.api.RedissonClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Seeds one sample world into every requested store of a stack, stores in parallel. */
public final class WorldSeeder {

    private WorldSeeder() {}

    public static List<SeedResult> seed(DevStack stack, SampleWorld world, SeedNames names, List<Service> services) {
        List<CompletableFuture<SeedResult>> running = new ArrayList<>();
        for (Service service : services) {
            Supplier<SeedResult> seeder = switch (service) {
                case POSTGRES -> () -> seedPostgres(stack, world, names);
                case REDIS -> () -> seedRedis(stack, world);
                case S3 -> () -> seedS3(stack, world, names);
                case ELASTICSEARCH -> () -> seedElasticsearch(stack, world, names);
                case CLICKHOUSE -> () -> ClickHouseSeeder.seed(stack.clickhouse(), names.chDatabase(), world,
                        services.contains(Service.KAFKA) ? stack.kafka().bootstrapServers() : null);
                case KAFKA -> () -> KafkaSeeder.seed(stack.kafka(), names, world); // contributor data in topics (sink-kafka)
            };
            if (seeder != null) {
                running.add(CompletableFuture.supplyAsync(seeder));
            }
        }
        try {
            return running.stream().map(CompletableFuture::join).toList();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static SeedResult seedPostgres(DevStack stack, SampleWorld world, SeedNames names) {
        try (Connection c = stack.postgres().newConnection()) {
            return PostgresSeeder.seed(c, names.pgSchema(), world);
        } catch (SQLException e) {
            throw new IllegalStateException("Seeding PostgreSQL failed: " + e.getMessage(), e);
        }
    }

    private static SeedResult seedRedis(DevStack stack, SampleWorld world) {
        RedissonClient client = stack.redis().newRedissonClient();
        try {
            return RedisSeeder.seed(client, world);
        } finally {
            client.shutdown();
        }
    }

    private static SeedResult seedElasticsearch(DevStack stack, SampleWorld world, SeedNames names) {
        var client = stack.elasticsearch().newClient();
        try {
            return ElasticsearchSeeder.seed(client, names.esIndexPrefix(), world);
        } finally {
            try {
                client.close();
            } catch (Exception e) {
                // closing a client of a local server; nothing to recover
            }
        }
    }

    private static SeedResult seedS3(DevStack stack, SampleWorld world, SeedNames names) {
        try (S3Client client = stack.s3().newClient()) {
            return S3Seeder.seed(client, names.s3Bucket(), world);
        }
    }
}
