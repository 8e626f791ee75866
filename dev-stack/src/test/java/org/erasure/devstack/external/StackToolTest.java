package org.erasure.devstack.external;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.SampleWorld;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * {@code stack-tool init} and {@code seed} (what the docker compose stack's {@code init} and {@code seed}
 * services run) against real servers they did not start, checked in the stores: topics with their partitions
 * and configs, the versioned bucket, the empty tables, then the seeded world; both commands run twice.
 */
@DevStackTest
class StackToolTest {

    @Test
    void initCreatesWhatTheServicesCheckThenSeedLoadsTheWorldOnce(KafkaBroker kafka, PostgresServer postgres, S3Server s3,
                                                                  ElasticsearchServer es, ClickHouseServer clickhouse,
                                                                  TestNames names) throws Exception {
        String requests = names.topic("requests");
        String completions = names.topic("completions");
        String schema = names.table("kepler");
        String database = names.table("kepler");
        String bucket = names.bucket("files");
        String indexPrefix = names.index("p") + "-";
        List<String> servers = List.of("--kafka=" + kafka.bootstrapServers(),
                "--postgres-url=" + postgres.jdbcUrl(), "--postgres-user=" + PostgresServer.USER,
                "--postgres-password=" + PostgresServer.PASSWORD, "--postgres-schema=" + schema,
                "--clickhouse-url=http://127.0.0.1:" + clickhouse.httpPort(), "--clickhouse-database=" + database,
                "--s3-endpoint=" + s3.endpoint(), "--s3-access-key-id=" + S3Server.ACCESS_KEY,
                "--s3-secret-access-key=" + S3Server.SECRET_KEY, "--s3-bucket=" + bucket);
        List<String> init = new ArrayList<>(List.of("init", "--topic=" + requests + ":3:retention.ms=2592000000",
                "--topic=" + completions + ":2:retention.ms=-1"));
        init.addAll(servers);

        assertThat(run(init)).isZero();
        assertThat(run(init)).as("a second init keeps what exists").isZero();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(requests, completions)).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get(requests).partitions()).hasSize(3);
            assertThat(topics.get(completions).partitions()).hasSize(2);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, completions);
            assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get("retention.ms").value())
                    .isEqualTo("-1");
        }
        try (S3Client client = s3.newClient()) {
            assertThat(client.getBucketVersioning(b -> b.bucket(bucket)).status()).isEqualTo(BucketVersioningStatus.ENABLED);
        }
        assertThat(count(postgres, "\"" + schema + "\"." + SampleWorld.PG_CONTRIBUTORS)).isZero();
        assertThat(clickhouse.query("SELECT count() FROM system.tables WHERE database = '" + database + "'").strip()).isEqualTo("5");

        List<String> wrongPartitions = new ArrayList<>(List.of("init", "--topic=" + requests + ":4"));
        wrongPartitions.addAll(servers);
        assertThat(run(wrongPartitions)).as("an existing topic with another partition count is an error").isNotZero();

        List<String> seed = new ArrayList<>(List.of("seed", "--contributors=40", "--elasticsearch=" + es.httpUrl(),
                "--elasticsearch-index-prefix=" + indexPrefix));
        seed.addAll(servers);
        assertThat(run(seed)).isZero();
        SampleWorld world = SampleWorld.ofSize(40);
        assertThat(count(postgres, "\"" + schema + "\"." + SampleWorld.PG_CONTRIBUTORS)).isEqualTo(40);
        assertThat(clickhouse.query("SELECT count() FROM `" + database + "`." + SampleWorld.CH_UNIT_METRICS).strip())
                .isEqualTo(Long.toString(40L * SampleWorld.CH_UNIT_METRICS_ROWS));
        try (S3Client client = s3.newClient()) {
            assertThat(client.listObjectVersions(l -> l.bucket(bucket).prefix("contributors/")).versions()).isNotEmpty();
        }
        try (var client = es.newClient()) {
            client.indices().refresh(r -> r.index(indexPrefix + "*"));
            assertThat(client.count(c -> c.index(indexPrefix + "*")).count()).isEqualTo(world.esDocumentCount());
        }

        assertThat(run(seed)).as("a second seed finds the world and does nothing").isZero();
        assertThat(count(postgres, "\"" + schema + "\"." + SampleWorld.PG_CONTRIBUTORS)).isEqualTo(40);
    }

    private static int run(List<String> args) {
        return new CommandLine(new StackTool()).execute(args.toArray(String[]::new));
    }

    private static long count(PostgresServer postgres, String table) throws Exception {
        try (Connection c = postgres.newConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
