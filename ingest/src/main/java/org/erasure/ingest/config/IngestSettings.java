package org.erasure.ingest.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.erasure.events.Topics;
import org.erasure.ingest.auth.Role;
import org.erasure.ingest.auth.TokenAuthenticator;
import org.erasure.ingest.intake.IntakeRules;
import org.erasure.ingest.submit.SubmissionService;

/** The {@code ingest} section of the configuration, checked on startup. */
public record IngestSettings(
        String httpHost, int httpPort, long maxBodyBytes,
        Map<String, Object> kafkaClient, Topics topics, String transactionalId, Duration kafkaTimeout,
        IntakeRules intakeRules,
        List<TokenAuthenticator.Client> tokens,
        Duration idempotencyTtl, int idempotencyMaxEntries,
        boolean dedupeOpenRequests,
        SubmissionService.Resolution resolution, boolean rejectUnknown, String resolutionSql,
        String postgresUrl, String postgresUser, String postgresPassword, String postgresSchema, int postgresPoolSize,
        String verifierBaseUrl, Duration verifierTimeout) {

    public static IngestSettings from(Config root) {
        Config c = root.getConfig("ingest");
        Map<String, Object> kafka = new HashMap<>();
        c.getConfig("kafka.client").entrySet().forEach(e -> kafka.put(e.getKey().replace("\"", ""), e.getValue().unwrapped()));
        kafka.put("bootstrap.servers", c.getString("kafka.bootstrap-servers"));
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
                    throw new ConfigException.BadValue("ingest.auth.tokens", "unknown role '" + r + "' (submit, read)");
                }
            }
            try {
                tokens.add(TokenAuthenticator.Client.of(t.getString("name"), t.getString("sha256"), roles));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue("ingest.auth.tokens", e.getMessage());
            }
        }
        return new IngestSettings(
                c.getString("http.host"), c.getInt("http.port"), c.getBytes("http.max-body-bytes"),
                Map.copyOf(kafka), Topics.withPrefix(c.getString("kafka.topic-prefix")),
                c.getString("kafka.transactional-id"), c.getDuration("kafka.timeout"),
                rules, tokens,
                c.getDuration("idempotency.ttl"), c.getInt("idempotency.max-entries"),
                c.getBoolean("dedupe.open-requests"),
                resolution, c.getBoolean("resolution.reject-unknown"), c.getString("resolution.sql"),
                c.getString("postgres.url"), c.getString("postgres.user"), c.getString("postgres.password"),
                c.getString("postgres.schema"), c.getInt("postgres.pool-size"),
                c.getString("verifier.base-url").replaceAll("/+$", ""), c.getDuration("verifier.timeout"));
    }

    @Override
    public String toString() {
        return "IngestSettings[http=" + httpHost + ":" + httpPort + ", topics=" + topics.requests() + ", tokens="
                + tokens.size() + ", resolution=" + resolution + ", postgres=" + postgresUrl + " (password redacted)]";
    }
}
