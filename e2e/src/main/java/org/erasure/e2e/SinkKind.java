package org.erasure.e2e;

import java.util.List;
import java.util.Locale;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.KafkaSeeder;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.StoreModule;

/**
 * The sink services of the pipeline, and how each one is configured against a dev-stack. A sink
 * runs as its own process from its jar ({@code sink-<id>/target/sink-<id>.jar}), or in this JVM
 * from its store module (benchmarks).
 */
public enum SinkKind {
    POSTGRES(Phase.POSTGRES, "org.erasure.sink.postgres.PostgresStoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            return """
                    postgres { jdbc-url = "%s", user = postgres, password = postgres, schema = "%s" }
                    """.formatted(stack.postgres().jdbcUrl(), names.pgSchema());
        }
    },
    CLICKHOUSE(Phase.CLICKHOUSE, "org.erasure.sink.clickhouse.ClickHouseStoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            return """
                    clickhouse { jdbc-url = "%s", database = "%s" }
                    """.formatted(stack.clickhouse().jdbcUrl(), names.chDatabase());
        }
    },
    S3(Phase.S3, "org.erasure.sink.s3.S3StoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            S3Server s3 = stack.s3();
            return """
                    s3 {
                      endpoint = "%s", path-style = true, region = "%s"
                      access-key-id = "%s", secret-access-key = "%s"
                      targets = [{ bucket = "%s", prefixes = ["contributors/{contributorId}/", "uploads/{contributorId}/"] }]
                    }
                    """.formatted(s3.endpoint(), S3Server.REGION, S3Server.ACCESS_KEY, S3Server.SECRET_KEY, names.s3Bucket());
        }
    },
    ELASTICSEARCH(Phase.ELASTICSEARCH, "org.erasure.sink.elasticsearch.ElasticsearchStoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            return """
                    elasticsearch {
                      hosts = "%s"
                      targets = [{
                        index = "%s*"
                        groups = [
                          { path = latest, fields { workerEmail = email, workerId = worker-id } }
                          { path = judgments, fields { workerEmail = email, workerId = worker-id } }
                        ]
                      }]
                    }
                    """.formatted(stack.elasticsearch().httpUrl(), names.esIndexPrefix());
        }
    },
    REDIS(Phase.REDIS, "org.erasure.sink.redis.RedisStoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            return """
                    redis { address = "%s" }
                    """.formatted(stack.redis().uri());
        }
    },
    KAFKA(Phase.KAFKA, "org.erasure.sink.kafka.KafkaTopicsStoreModule") {
        @Override
        public String storeHocon(DevStack stack, SeedNames names) {
            return """
                    kafka-topics {
                      bootstrap-servers = "%s"
                      compacted = [{ topic = "%s", keys = ["{contributorId}"], values = { email = "{email}" } }]
                      retained = ["%s"]
                    }
                    """.formatted(stack.kafka().bootstrapServers(), KafkaSeeder.profilesTopic(names),
                    ClickHouseSeeder.kafkaTopic(names.chDatabase()));
        }
    };

    private final Phase phase;
    private final String moduleClass;

    SinkKind(Phase phase, String moduleClass) {
        this.phase = phase;
        this.moduleClass = moduleClass;
    }

    public static List<String> ids() {
        return java.util.Arrays.stream(values()).map(SinkKind::id).toList();
    }

    public Phase phase() {
        return phase;
    }

    /** The sink's runnable jar in this checkout. */
    public java.nio.file.Path jar() {
        return ProjectLayout.jar("sink-" + id(), "sink-" + id() + ".jar");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The store section of the sink's config, pointing at the dev-stack's server and the seeded names. */
    public abstract String storeHocon(DevStack stack, SeedNames names);

    /** The store module, for running the sink inside this JVM (benchmarks). */
    public StoreModule newModule() {
        try {
            return (StoreModule) Class.forName(moduleClass).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Store module " + moduleClass + " is not on the classpath", e);
        }
    }
}
