package org.erasure.verifier.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.erasure.config.ConfigScope;
import org.erasure.config.KafkaClientProperties;
import org.erasure.config.ServiceConfig;
import org.erasure.events.Topics;
import org.erasure.events.integrity.SubjectDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier's settings, read with the project's config kit (erasure-config). Layers, highest
 * precedence first: environment variables ({@code VERIFIER_*}, named after the key's path), the
 * {@code --config} file, {@code reference.conf}.
 *
 * @param sla                 optional SLA from requestedAt; empty = only the request's deadline
 * @param digestKey           HMAC key for {@link SubjectDigest}; never logged
 * @param kafkaStreams        extra Kafka Streams properties, verbatim
 * @param keys                opening sealed requests ({@code verifier.keys}); {@code keys.kek()} null = not configured
 * @param shredding           the shredding schedule of sealed requests' keys ({@code verifier.keys.shred-after})
 */
public record VerifierConfig(
        String applicationId,
        String bootstrapServers,
        Topics topics,
        int partitions,
        short replicationFactor,
        int changelogMinInsyncReplicas,
        int numStreamThreads,
        int numStandbyReplicas,
        Path stateDir,
        Optional<Duration> sla,
        Duration punctuationInterval,
        Duration minWait,
        byte[] digestKey,
        boolean insecureDevKey,
        int httpPort,
        String advertisedHost,
        Map<String, String> kafkaStreams,
        org.erasure.keys.KeysSettings keys,
        Shredding shredding) {

    /**
     * When the keys of sealed requests are shredded: {@code after} their final COMPLETED record (empty = never),
     * checked every {@code interval}. Active only with a key-encryption key (without one the verifier handles no
     * sealed request).
     */
    public record Shredding(Optional<Duration> after, Duration interval) {
        public Shredding {
            if (interval.isNegative() || interval.isZero()) {
                throw new ConfigException.Generic("verifier.keys.shred-interval must be > 0");
            }
            if (after.isPresent() && after.get().isNegative()) {
                throw new ConfigException.Generic("verifier.keys.shred-after must be >= 0 or off");
            }
        }
    }

    /** Whether this verifier shreds the keys of sealed requests (a KEK is set and shred-after is not off). */
    public boolean shreds() {
        return keys.kek() != null && shredding.after().isPresent();
    }

    private static final Logger log = LoggerFactory.getLogger(VerifierConfig.class);

    /** Profile that allows {@link #DEV_DIGEST_KEY}. Never use it with real data. */
    public static final String DEV_PROFILE = "dev-insecure";
    /** Public, therefore useless as a secret: only for local demos and tests. */
    public static final String DEV_DIGEST_KEY = "dev-insecure-subject-digest-key-do-not-use";

    public VerifierConfig {
        if (partitions < 1) throw new ConfigException.Generic("verifier.partitions must be >= 1");
        if (replicationFactor < 1) throw new ConfigException.Generic("verifier.replication-factor must be >= 1");
        if (punctuationInterval.isNegative() || punctuationInterval.isZero()) {
            throw new ConfigException.Generic("verifier.timeouts.punctuation-interval must be > 0");
        }
        if (digestKey == null || digestKey.length < SubjectDigest.MIN_KEY_BYTES) {
            throw new ConfigException.Generic("subject digest key must be at least " + SubjectDigest.MIN_KEY_BYTES + " bytes");
        }
        kafkaStreams = Map.copyOf(kafkaStreams);
        StreamsProperties.refuseReserved(kafkaStreams);
    }

    /**
     * What the verifier reads: {@code verifier}, environment {@code VERIFIER_*} (the project's one rule,
     * erasure-config). Open: Kafka Streams properties, and the status page's sink groups (one per phase).
     */
    public static final ConfigScope SCOPE = ConfigScope.of("verifier")
            .open("verifier.kafka-streams", "verifier.status-page.sink-groups");

    /** Loads {@code file} (may be null) over reference.conf, under the environment; unknown keys fail. */
    public static VerifierConfig load(File file) {
        return from(file(file));
    }

    /** {@code overrides} over reference.conf, under the process environment. */
    public static VerifierConfig from(Config overrides) {
        return from(overrides, System.getenv());
    }

    /** {@code overrides} over reference.conf, under {@code env}; unknown keys fail. */
    public static VerifierConfig from(Config overrides, Map<String, String> env) {
        return of(ServiceConfig.load(overrides, env, SCOPE).getConfig("verifier"));
    }

    /** The {@code --config} file, parsed (empty for null). */
    public static Config file(File file) {
        return file == null ? ConfigFactory.empty()
                : ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
    }

    static VerifierConfig of(Config c) {
        String slaText = c.getString("timeouts.sla").trim();
        Optional<Duration> sla = slaText.isEmpty() || slaText.equalsIgnoreCase("off") || slaText.equalsIgnoreCase("none")
                ? Optional.empty() : Optional.of(c.getDuration("timeouts.sla"));
        String profile = c.getString("profile").trim();
        if (!profile.equals("production") && !profile.equals(DEV_PROFILE)) {
            throw new ConfigException.BadValue("verifier.profile", "must be 'production' or '" + DEV_PROFILE + "'");
        }
        byte[] key = digestKey(c.getString("digest-key"), c.getString("digest-key-file"));
        boolean insecure = false;
        if (key == null) {
            if (!profile.equals(DEV_PROFILE)) {
                throw new ConfigException.Generic("no subject digest key (verifier.digest-key): set VERIFIER_DIGEST_KEY or "
                        + "VERIFIER_DIGEST_KEY_FILE; for a local demo only, VERIFIER_PROFILE=" + DEV_PROFILE);
            }
            log.warn("Using the public dev subject digest key (profile {}): never do this with real data", DEV_PROFILE);
            key = DEV_DIGEST_KEY.getBytes(StandardCharsets.UTF_8);
            insecure = true;
        }
        Map<String, String> extra = new LinkedHashMap<>();
        KafkaClientProperties.of(c.getConfig("kafka-streams")).forEach((k, v) -> extra.put(k, (String) v));
        return new VerifierConfig(
                c.getString("application-id"),
                c.getString("bootstrap-servers"),
                Topics.withPrefix(c.getString("topic-prefix")),
                c.getInt("partitions"),
                (short) c.getInt("replication-factor"),
                c.getInt("changelog-min-insync-replicas"),
                c.getInt("num-stream-threads"),
                c.getInt("num-standby-replicas"),
                Path.of(c.getString("state-dir")),
                sla,
                c.getDuration("timeouts.punctuation-interval"),
                c.getDuration("timeouts.min-wait"),
                key,
                insecure,
                c.getInt("http.port"),
                c.getString("http.advertised-host"),
                extra,
                keys(c.getConfig("keys")),
                new Shredding(optionalDuration(c, "keys.shred-after"), c.getDuration("keys.shred-interval")));
    }

    /** A duration, or empty for "off" / "none" / "". */
    static Optional<Duration> optionalDuration(Config c, String path) {
        String text = c.getString(path).trim();
        return text.isEmpty() || text.equalsIgnoreCase("off") || text.equalsIgnoreCase("none")
                ? Optional.empty() : Optional.of(c.getDuration(path));
    }

    /** {@code verifier.keys}; a malformed key-encryption key fails the start without quoting it. */
    static org.erasure.keys.KeysSettings keys(Config section) {
        try {
            return org.erasure.keys.KeysSettings.from(section);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("verifier.keys", e.getMessage());
        }
    }

    /** The key from the inline value or the file; null when neither is set. */
    static byte[] digestKey(String inline, String file) {
        String text = inline == null ? "" : inline.strip();
        if (text.isEmpty() && file != null && !file.isBlank()) {
            try {
                text = Files.readString(Path.of(file.strip()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException.BadValue("verifier.digest-key-file", "cannot read the key file: " + e.getClass().getSimpleName());
            }
        }
        if (text.isEmpty()) {
            return null;
        }
        byte[] key;
        try {
            if (text.startsWith("base64:")) {
                key = Base64.getDecoder().decode(text.substring("base64:".length()));
            } else if (text.startsWith("hex:")) {
                key = HexFormat.of().parseHex(text.substring("hex:".length()));
            } else {
                key = text.getBytes(StandardCharsets.UTF_8);
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("verifier.digest-key", "not valid base64/hex");
        }
        if (key.length < SubjectDigest.MIN_KEY_BYTES) {
            throw new ConfigException.BadValue("verifier.digest-key", "must be at least " + SubjectDigest.MIN_KEY_BYTES + " bytes");
        }
        return key;
    }

    /** Internal topic for replay lineage questions and answers (see README). */
    public String lineageTopic() {
        return applicationId + ".replay-lineage";
    }

    public SubjectDigest subjectDigest() {
        return new SubjectDigest(digestKey);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "VerifierConfig[applicationId=" + applicationId + ", bootstrapServers=" + bootstrapServers
                + ", topicPrefix=" + topics.prefix() + ", partitions=" + partitions + ", replicationFactor=" + replicationFactor
                + ", stateDir=" + stateDir + ", sla=" + sla.map(Duration::toString).orElse("off")
                + ", punctuationInterval=" + punctuationInterval + ", minWait=" + minWait
                + ", digestKey=redacted" + (insecureDevKey ? " (INSECURE DEV KEY)" : "")
                + ", http=" + advertisedHost + ":" + httpPort + ", kafkaStreams=" + kafkaStreams.keySet() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
