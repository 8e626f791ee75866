package org.erasure.devstack.external;

import java.io.PrintStream;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.PostgresSeeder;
import org.erasure.devstack.seed.S3Seeder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code stack-tool init}: what the services check at start, on servers they do not create it on: the
 * topics (with their partition counts and configs), the versioned bucket, and the empty PostgreSQL and
 * ClickHouse tables of the default mappings. Idempotent: what exists is kept; a topic that exists with
 * another partition count is an error (the verifier's hash chain relies on the counts).
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create the topics, the bucket and the empty store schemas the services expect (idempotent).")
final class InitCommand implements Callable<Integer> {

    @Mixin
    ServerOptions servers;

    @Option(names = "--topic", paramLabel = "NAME:PARTITIONS[:key=value,...]",
            description = "A topic to create when missing, e.g. erasure.completions:6:retention.ms=-1 (repeatable).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--replication-factor", defaultValue = "1", description = "Of the topics created (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<TopicSpec> specs = topics.stream().map(TopicSpec::parse).toList();
        if (!specs.isEmpty()) {
            if (servers.kafka == null) {
                throw new IllegalArgumentException("--topic needs --kafka");
            }
            createTopics(specs, out);
        }
        if (servers.s3Endpoint != null) {
            try (S3Client s3 = servers.s3()) {
                S3Seeder.ensureBucket(s3, servers.s3Bucket);
            }
            out.println("bucket " + servers.s3Bucket + " (versioned) ready");
        }
        if (servers.postgresUrl != null) {
            try (Connection c = servers.postgres()) {
                PostgresSeeder.createSchema(c, servers.postgresSchema);
            }
            out.println("PostgreSQL tables in schema " + servers.postgresSchema + " ready");
        }
        if (servers.clickhouseUrl != null) {
            ClickHouseSeeder.createSchema(servers.clickhouse(), servers.clickhouseDatabase, servers.kafka);
            out.println("ClickHouse tables in database " + servers.clickhouseDatabase + " ready");
        }
        return 0;
    }

    private void createTopics(List<TopicSpec> specs, PrintStream out) throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafka))) {
            var existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = specs.stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.configs())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
                missing.forEach(t -> out.println("created topic " + t.name() + " (" + t.numPartitions() + " partitions"
                        + (t.configs().isEmpty() ? "" : ", " + t.configs()) + ")"));
            }
            List<String> kept = specs.stream().map(TopicSpec::name).filter(existing::contains).toList();
            if (kept.isEmpty()) {
                return;
            }
            Map<String, TopicDescription> described = admin.describeTopics(kept).allTopicNames().get(60, TimeUnit.SECONDS);
            List<String> wrong = new ArrayList<>();
            for (TopicSpec spec : specs) {
                TopicDescription d = described.get(spec.name());
                if (d == null) {
                    continue;
                }
                if (d.partitions().size() != spec.partitions()) {
                    wrong.add(spec.name() + " has " + d.partitions().size() + " partitions, expected " + spec.partitions());
                } else {
                    out.println("topic " + spec.name() + " exists (" + spec.partitions() + " partitions)");
                }
            }
            if (!wrong.isEmpty()) {
                throw new IllegalStateException("existing topics disagree with the wanted partition counts: " + String.join("; ", wrong));
            }
        }
    }
}
