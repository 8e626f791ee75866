package org.erasure.devstack.external;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.erasure.devstack.seed.SampleWorld;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where the servers are (servers this JVM did not start: docker compose, a shared test cluster). A store
 * whose address is not given is left alone. Secrets default to environment variables, so they stay out of
 * command lines: {@code POSTGRES_PASSWORD}, {@code CLICKHOUSE_PASSWORD}, {@code S3_ACCESS_KEY_ID},
 * {@code S3_SECRET_ACCESS_KEY}, {@code REDIS_PASSWORD}.
 */
final class ServerOptions {

    @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String kafka;

    @Option(names = "--postgres-url", paramLabel = "JDBC_URL", description = "e.g. jdbc:postgresql://postgres:5432/kepler")
    String postgresUrl;

    @Option(names = "--postgres-user", defaultValue = "postgres", description = "Default: ${DEFAULT-VALUE}.")
    String postgresUser;

    @Option(names = "--postgres-password", defaultValue = "${env:POSTGRES_PASSWORD}", description = "Default: $POSTGRES_PASSWORD.")
    String postgresPassword;

    @Option(names = "--postgres-schema", defaultValue = "public", description = "Default: ${DEFAULT-VALUE}.")
    String postgresSchema;

    @Option(names = "--clickhouse-url", paramLabel = "URL", description = "HTTP interface, e.g. http://clickhouse:8123")
    String clickhouseUrl;

    @Option(names = "--clickhouse-user", defaultValue = "default", description = "Default: ${DEFAULT-VALUE}.")
    String clickhouseUser;

    @Option(names = "--clickhouse-password", defaultValue = "${env:CLICKHOUSE_PASSWORD}", description = "Default: $CLICKHOUSE_PASSWORD.")
    String clickhousePassword;

    @Option(names = "--clickhouse-database", defaultValue = SampleWorld.CH_DATABASE, description = "Default: ${DEFAULT-VALUE}.")
    String clickhouseDatabase;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (path-style), e.g. http://minio:9000")
    String s3Endpoint;

    @Option(names = "--s3-region", defaultValue = "us-east-1", description = "Default: ${DEFAULT-VALUE}.")
    String s3Region;

    @Option(names = "--s3-access-key-id", defaultValue = "${env:S3_ACCESS_KEY_ID}", description = "Default: $S3_ACCESS_KEY_ID.")
    String s3AccessKeyId;

    @Option(names = "--s3-secret-access-key", defaultValue = "${env:S3_SECRET_ACCESS_KEY}", description = "Default: $S3_SECRET_ACCESS_KEY.")
    String s3SecretAccessKey;

    @Option(names = "--s3-bucket", defaultValue = SampleWorld.S3_BUCKET, description = "Default: ${DEFAULT-VALUE}.")
    String s3Bucket;

    @Option(names = "--redis", paramLabel = "URI", description = "e.g. redis://redis:6379")
    String redis;

    @Option(names = "--redis-password", defaultValue = "${env:REDIS_PASSWORD}", description = "Default: $REDIS_PASSWORD.")
    String redisPassword;

    @Option(names = "--elasticsearch", paramLabel = "URL", description = "e.g. http://elasticsearch:9200")
    String elasticsearch;

    @Option(names = "--elasticsearch-index-prefix", defaultValue = SampleWorld.ES_INDEX_PREFIX,
            description = "Prefix of the seeded project indices (default: ${DEFAULT-VALUE}).")
    String elasticsearchIndexPrefix;

    Connection postgres() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", postgresUser);
        if (postgresPassword != null) {
            p.setProperty("password", postgresPassword);
        }
        return DriverManager.getConnection(postgresUrl, p);
    }

    UnaryOperator<String> clickhouse() {
        return new ClickHouseHttp(clickhouseUrl, clickhouseUser, clickhousePassword);
    }

    S3Client s3() {
        if (s3AccessKeyId == null || s3SecretAccessKey == null) {
            throw new IllegalArgumentException("S3: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY");
        }
        return S3Client.builder()
                .endpointOverride(URI.create(s3Endpoint))
                .forcePathStyle(true)
                .region(Region.of(s3Region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3AccessKeyId, s3SecretAccessKey)))
                .build();
    }

    RedissonClient redis() {
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        var single = config.useSingleServer().setAddress(redis).setConnectionMinimumIdleSize(1).setConnectionPoolSize(8);
        if (redisPassword != null && !redisPassword.isEmpty()) {
            single.setPassword(redisPassword);
        }
        return Redisson.create(config);
    }

    ElasticsearchClient elasticsearch() {
        // As the dev-stack's client: plain responses (httpclient5 advertises zstd when zstd-jni is on the class path).
        Rest5Client rest = Rest5Client.builder(URI.create(elasticsearch))
                .setHttpClientConfigCallback(b -> b.disableContentCompression())
                .build();
        return new ElasticsearchClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper()));
    }
}
