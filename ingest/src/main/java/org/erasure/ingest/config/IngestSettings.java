package org.erasure.ingest.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.erasure.config.ConfigScope;
import org.erasure.config.KafkaClientProperties;
import org.erasure.config.ServiceConfig;
import org.erasure.events.Topics;
import org.erasure.ingest.auth.Role;
import org.erasure.ingest.auth.TokenAuthenticator;
import org.erasure.client.intake.IntakeRules;
import org.erasure.client.submit.SubmissionService;

/** The {@code ingest} section of the configuration, checked on startup. */
public record IngestSettings(
        String httpHost, int httpPort, long maxBodyBytes, Duration httpIdleTimeout,
        Map<String, Object> kafkaClient, Topics topics, String transactionalId, Duration kafkaTimeout,
        IntakeRules intakeRules,
        List<TokenAuthenticator.Client> tokens,
        Duration idempotencyTtl, int idempotencyMaxEntries, Duration idempotencyInFlightWait,
        boolean dedupeOpenRequests, Duration dedupeLookback,
        boolean claimsEnabled, String claimsTopic, short claimsReplicationFactor, Duration claimsLease,
        SubmissionService.Resolution resolution, boolean rejectUnknown, String resolutionSql,
        String postgresUrl, String postgresUser, String postgresPassword, String postgresSchema, int postgresPoolSize,
        String verifierBaseUrl, Duration verifierTimeout,
        org.erasure.keys.KeysSettings keys) {

    /** What ingest reads: {@code ingest}, environment {@code INGEST_*}; Kafka client properties are free-form. */
    public static final ConfigScope SCOPE = ConfigScope.of("ingest").open("ingest.kafka.client");

    /** {@code --config} file (may be null) over reference.conf, under the environment; unknown keys fail. */
    public static IngestSettings load(Path file, Map<String, String> env) {
        return from(ServiceConfig.load(file, env, SCOPE));
    }

    public static IngestSettings from(Config root) {
        Config c = root.getConfig("ingest");
        Map<String, Object> kafka = KafkaClientProperties.of(c, "kafka.client", c.getString("kafka.bootstrap-servers"));
        Pattern idPattern;
        try {
            idPattern = Pattern.compile(c.getString("intake.contributor-id-pattern"));
        } catch (PatternSyntaxException e) {
            throw new ConfigException.BadValue("ingest.intake.contributor-id-pattern", "not a valid regular expression");
        }
        SubmissionService.Resolution resolution;
        try {
            resolution = SubmissionService.Resolution.valueOf(c.getString("resolution.mode").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("ingest.resolution.mode", "must be off, missing or always");
        }
        IntakeRules rules = new IntakeRules(idPattern, c.getInt("intake.max-items"), c.getInt("intake.max-identifiers"),
                resolution == SubmissionService.Resolution.OFF);
        List<TokenAuthenticator.Client> tokens = new ArrayList<>();
        for (Config t : c.getConfigList("auth.tokens")) {
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            for (String r : t.getStringList("roles")) {
                try {
                    roles.add(Role.valueOf(r.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException.BadValue("ingest.auth.tokens", "unknown role '" + r + "' (submit, read, admin)");
                }
            }
            try {
                tokens.add(TokenAuthenticator.Client.of(t.getString("name"), t.getString("sha256"), roles));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue("ingest.auth.tokens", e.getMessage());
            }
        }
        String prefix = c.getString("kafka.topic-prefix");
        Topics topics = Topics.withPrefix(prefix);
        Duration kafkaTimeout = c.getDuration("kafka.timeout");
        Duration lease = c.getDuration("claims.lease");
        if (lease.compareTo(kafkaTimeout.multipliedBy(2)) < 0) {
            // A call waits up to kafka.timeout for its turn and may then take as long to publish.
            throw new ConfigException.BadValue("ingest.claims.lease", "must be at least twice ingest.kafka.timeout (" + kafkaTimeout + ")");
        }
        int replication = c.getInt("claims.replication-factor");
        if (replication < 1 || replication > Short.MAX_VALUE) {
            throw new ConfigException.BadValue("ingest.claims.replication-factor", "must be at least 1");
        }
        String claimsTopic = c.getString("claims.topic").strip();
        if (claimsTopic.isEmpty() || !claimsTopic.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException.BadValue("ingest.claims.topic", "must be a topic name (ASCII letters, digits, '.', '_', '-')");
        }
        return new IngestSettings(
                c.getString("http.host"), c.getInt("http.port"), c.getBytes("http.max-body-bytes"), c.getDuration("http.idle-timeout"),
                Map.copyOf(kafka), topics,
                withHost(c.getString("kafka.transactional-id"), IngestSettings::hostName), kafkaTimeout,
                rules, tokens,
                c.getDuration("idempotency.ttl"), c.getInt("idempotency.max-entries"), c.getDuration("idempotency.in-flight-wait"),
                c.getBoolean("dedupe.open-requests"), c.getDuration("dedupe.lookback"),
                c.getBoolean("claims.enabled"), prefix + claimsTopic, (short) replication, lease,
                resolution, c.getBoolean("resolution.reject-unknown"), c.getString("resolution.sql"),
                c.getString("postgres.url"), c.getString("postgres.user"), c.getString("postgres.password"),
                c.getString("postgres.schema"), c.getInt("postgres.pool-size"),
                c.getString("verifier.base-url").replaceAll("/+$", ""), c.getDuration("verifier.timeout"),
                keys(c.getConfig("keys")));
    }

    /** {@code ingest.keys}: sealing off by default; on without a key-encryption key is a start-up error. */
    static org.erasure.keys.KeysSettings keys(Config section) {
        try {
            return org.erasure.keys.KeysSettings.from(section);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("ingest.keys", e.getMessage());
        }
    }

    /**
     * {@code {host}} in the transactional.id becomes this machine's host name, so identical replicas
     * ({@code docker compose up --scale ingest=2}, one Deployment) still get one id each: two producers
     * with one id fence each other.
     */
    static String withHost(String transactionalId, java.util.function.Supplier<String> host) {
        if (!transactionalId.contains("{host}")) {
            return transactionalId;
        }
        String name = host.get().replaceAll("[^A-Za-z0-9._-]", "-");
        return transactionalId.replace("{host}", name);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME"); // set in containers; a shell does not export it
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            throw new ConfigException.BadValue("ingest.kafka.transactional-id", "{host} is used but the host name is unknown");
        }
    }

    @Override
    public String toString() {
        return "IngestSettings[http=" + httpHost + ":" + httpPort + ", topics=" + topics.requests()
                + ", claims=" + (claimsEnabled ? claimsTopic : "off") + ", tokens="
                + tokens.size() + ", resolution=" + resolution + ", postgres=" + postgresUrl + " (password redacted)]";
    }
}
