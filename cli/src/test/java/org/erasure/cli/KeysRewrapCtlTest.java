package org.erasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.cli.support.Ctl;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.keys.DataKey;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.junit.jupiter.api.Test;

/**
 * {@code erasurectl keys rewrap}: keys of both key topics wrapped by the previous KEK end up under the current one (a dry
 * run writes nothing), a shredded key stays shredded, a key of a KEK erasurectl lacks is left alone with exit 6. Nothing
 * printed holds a KEK or an identifier.
 */
@DevStackTest
class KeysRewrapCtlTest {
    private static final Duration READ = Duration.ofSeconds(30);
    private static final String DOMAIN = "@rewrap-cli.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String randomKek() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static KeyTopic topic(String name) {
        return new KeyTopic(name, 1, (short) 1, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), Duration.ofMinutes(1));
    }

    private static ContributorErasureRequested request(String contributor) {
        return ContributorErasureRequested.builder().contributorId(contributor).identifiers(List.of(contributor + DOMAIN), List.of("w-" + contributor))
                .requestedBy("test").reason(ErasureReason.USER_REQUEST).mode(Mode.EXECUTE).build();
    }

    private static Map<String, JsonNode> latest(KafkaBroker kafka, String topic) throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        for (Map.Entry<String, String> e : TopicReader.latest(kafka, topic, READ).entrySet()) {
            out.put(e.getKey(), JSON.readTree(e.getValue()));
        }
        return out;
    }

    @Test
    void rewrapMovesBothKeyTopicsOntoTheCurrentKekAndLeavesShreddedAndForeignKeysAlone(KafkaBroker kafka, TestNames names) throws Exception {
        String kek1 = randomKek();
        String kek2 = randomKek();
        KeyEncryptionKey k1 = KeyEncryptionKey.fromBase64("kek-1", kek1);
        String requestKeys = names.topic("request-keys");
        String restorationKeys = names.topic("restoration-keys");
        ContributorErasureRequested live;
        ContributorErasureRequested shredded;
        UUID owner = UUID.randomUUID();
        String restorationCreatedAt;
        try (RequestKeys keys = new RequestKeys(new Envelope(k1), KafkaKeyStore.open(topic(requestKeys), kafka.clientConfig(), READ));
             KafkaKeyStore restoration = KafkaKeyStore.open(topic(restorationKeys), kafka.clientConfig(), READ);
             DataKey rk = new Envelope(k1).newDataKey(owner, "rk-POSTGRES")) {
            live = keys.seal(request("c-live"));
            shredded = keys.seal(request("c-shredded"));
            keys.shred(shredded.requestId());
            restoration.put(owner, rk.wrapped());
            restorationCreatedAt = rk.wrapped().createdAt().toString();
        }
        Map<String, String> env = new HashMap<>();
        env.put("ERASURECTL_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("ERASURECTL_KEYS_TOPIC_NAME", requestKeys);
        env.put("ERASURECTL_KEYS_RESTORATION_TOPIC", restorationKeys);
        env.put("ERASURECTL_KEYS_KEK", kek2);
        env.put("ERASURECTL_KEYS_KEK_ID", "kek-2");
        env.put("ERASURECTL_KEYS_PREVIOUS_KEKS", "kek-1=" + kek1);
        Ctl ctl = new Ctl(env);

        Ctl.Result dry = ctl.run("keys", "rewrap", "--dry-run");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("Key-encryption keys: current kek-2, previous kek-1 (dry run: nothing is written)",
                requestKeys + ":\n  keys read: 1\n  already under kek-2: 0\n  to rewrap to kek-2: 1", restorationKeys + ":\n  keys read: 1");
        assertThat(latest(kafka, requestKeys).get(live.requestId().toString()).path("kekId").asText()).isEqualTo("kek-1");
        assertThat(latest(kafka, restorationKeys).get(owner.toString()).path("kekId").asText()).isEqualTo("kek-1");

        Ctl.Result run = ctl.run("keys", "rewrap");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains(requestKeys + ":\n  keys read: 1\n  already under kek-2: 0\n  rewrapped to kek-2: 1",
                restorationKeys + ":\n  keys read: 1\n  already under kek-2: 0\n  rewrapped to kek-2: 1");
        Map<String, JsonNode> requests = latest(kafka, requestKeys);
        assertThat(requests).containsOnlyKeys(live.requestId().toString());
        assertThat(requests.get(live.requestId().toString()).path("kekId").asText()).isEqualTo("kek-2");
        JsonNode rk = latest(kafka, restorationKeys).get(owner.toString());
        assertThat(rk.path("kekId").asText()).isEqualTo("kek-2");
        assertThat(rk.path("createdAt").asText()).isEqualTo(restorationCreatedAt);
        try (RequestKeys onlyNew = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-2", kek2)),
                KafkaKeyStore.open(topic(requestKeys), kafka.clientConfig(), READ))) {
            assertThat(onlyNew.open(live)).isInstanceOf(Opening.Opened.class);
            assertThat(onlyNew.open(shredded)).isInstanceOf(Opening.KeyShredded.class);
        }
        Ctl.Result again = ctl.run("keys", "rewrap");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains(requestKeys + ":\n  keys read: 1\n  already under kek-2: 1\n  rewrapped to kek-2: 0");

        // A key of a KEK this erasurectl lacks: left alone, exit 6, the KEK id named.
        try (RequestKeys other = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-0", randomKek())),
                KafkaKeyStore.open(topic(requestKeys), kafka.clientConfig(), READ))) {
            other.seal(request("c-foreign"));
        }
        Ctl.Result foreign = ctl.run("keys", "rewrap");
        assertThat(foreign.exitCode()).as(foreign.toString()).isEqualTo(6);
        assertThat(foreign.out()).contains("wrapped by a key-encryption key not configured here (left alone): 1 {kek-0=1}");
        assertThat(foreign.err()).contains(requestKeys + ": 1 key(s) wrapped by key-encryption key(s) kek-0 that this erasurectl does not have");

        // Without a KEK: a usage error, nothing read.
        Ctl.Result none = new Ctl(Map.of("ERASURECTL_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).run("keys", "rewrap");
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(1);
        assertThat(none.err()).contains("keys rewrap needs the current key-encryption key");

        for (Ctl.Result r : List.of(dry, run, again, foreign, none)) {
            assertThat(r.out() + r.err()).doesNotContain(kek1).doesNotContain(kek2).doesNotContain(DOMAIN)
                    .doesNotContain(live.requestId().toString()).doesNotContain(owner.toString());
        }
    }
}
