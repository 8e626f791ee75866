package org.erasure.ingest.support;

import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.erasure.ingest.auth.TokenAuthenticator;
import org.erasure.ingest.config.IngestSettings;

/** Settings for an ingest under test. */
public final class TestIngest {

    public static final String SUBMIT_TOKEN = "submit-token-0123456789abcdef";
    public static final String READ_TOKEN = "read-token-0123456789abcdef";
    public static final String BOTH_TOKEN = "both-token-0123456789abcdef";
    public static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";

    private TestIngest() {}

    /** A seeded world in its own PostgreSQL schema and this test's topics (both request lanes, completions). */
    public record World(org.erasure.devstack.seed.SampleWorld world, String schema, org.erasure.events.Topics topics) {}

    public static World seededWorld(org.erasure.devstack.kafka.KafkaBroker kafka, org.erasure.devstack.postgres.PostgresServer postgres,
                                    org.erasure.devstack.junit.TestNames names, int contributors) throws java.sql.SQLException {
        var world = org.erasure.devstack.seed.SampleWorld.isolated(contributors);
        String schema = org.erasure.devstack.seed.SeedNames.unique(names).pgSchema();
        try (java.sql.Connection c = postgres.newConnection()) {
            org.erasure.devstack.seed.PostgresSeeder.seed(c, schema, world);
        }
        var topics = org.erasure.events.Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        return new World(world, schema, topics);
    }

    public static Map<String, Object> baseConfig(String bootstrap, String prefix, String jdbcUrl, String schema, String verifierUrl) {
        Map<String, Object> m = new HashMap<>();
        m.put("ingest.http.host", "127.0.0.1");
        m.put("ingest.http.port", 0);
        m.put("ingest.kafka.bootstrap-servers", bootstrap);
        m.put("ingest.kafka.topic-prefix", prefix);
        m.put("ingest.kafka.transactional-id", "ingest-" + prefix);
        m.put("ingest.postgres.url", jdbcUrl);
        m.put("ingest.postgres.password", "postgres");
        m.put("ingest.postgres.schema", schema);
        m.put("ingest.verifier.base-url", verifierUrl);
        m.put("ingest.verifier.timeout", "2s");
        m.put("ingest.http.max-body-bytes", 64 * 1024);
        m.put("ingest.auth.tokens", List.of(
                Map.of("name", "closure-service", "sha256", TokenAuthenticator.sha256Hex(SUBMIT_TOKEN), "roles", List.of("submit")),
                Map.of("name", "auditor", "sha256", TokenAuthenticator.sha256Hex(READ_TOKEN), "roles", List.of("read")),
                Map.of("name", "operator", "sha256", TokenAuthenticator.sha256Hex(BOTH_TOKEN), "roles", List.of("submit", "read")),
                Map.of("name", "admin", "sha256", TokenAuthenticator.sha256Hex(ADMIN_TOKEN), "roles", List.of("admin"))));
        return m;
    }

    public static IngestSettings settings(Map<String, Object> config) {
        return IngestSettings.from(ConfigFactory.parseMap(config).withFallback(ConfigFactory.defaultReference()).resolve());
    }
}
