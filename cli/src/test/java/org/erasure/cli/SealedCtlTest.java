package org.erasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.erasure.cli.support.Ctl;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What erasurectl publishes itself ({@code submit --direct}, {@code replay}) is sealed like ingest's when
 * {@code erasurectl.keys.kek} is set, and stays plain (with a line saying so) when not. Dev-stack broker only:
 * identifier resolution is off, the CSV carries the emails.
 */
@DevStackTest
class SealedCtlTest {
    private static final String DOMAIN = "@sealed-cli.example.com";
    private static final Duration READ = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private record Setup(Topics topics, String keyTopic, String kek, Ctl plain, Ctl sealing) {}

    private static Setup setup(KafkaBroker kafka, TestNames names) {
        Topics topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(2, List.of(topics.requests(), topics.requestsBulk()));
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        String keyTopic = names.topic("request-keys");
        Map<String, String> env = new HashMap<>();
        env.put("ERASURECTL_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("ERASURECTL_KAFKA_TOPIC_PREFIX", topics.prefix());
        env.put("ERASURECTL_DIRECT_RESOLUTION", "off");
        env.put("ERASURECTL_KEYS_TOPIC_NAME", keyTopic);
        env.put("USER", "test-operator");
        Ctl plain = new Ctl(env);
        return new Setup(topics, keyTopic, kek, plain, plain.with("ERASURECTL_KEYS_KEK", kek));
    }

    private static List<String> values(KafkaBroker kafka, String topic) {
        List<String> out = new ArrayList<>();
        TopicReader.readAll(kafka, topic, READ, r -> out.add(r.value()));
        return out;
    }

    private static ContributorErasureRequested event(String json) {
        return EventJson.read(json.getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class);
    }

    private static RequestKeys keys(KafkaBroker kafka, Setup s) {
        return new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", s.kek())),
                KafkaKeyStore.open(keyTopic(s.keyTopic()), kafka.clientConfig(), READ));
    }

    private static KeyTopic keyTopic(String name) {
        return new KeyTopic(name, 1, (short) 1, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), Duration.ofMinutes(1));
    }

    private Path csv(String... emails) throws Exception {
        StringBuilder b = new StringBuilder("contributor_id,email_address\n");
        for (int i = 0; i < emails.length; i++) {
            b.append(9100 + i).append(',').append(emails[i]).append('\n');
        }
        Path f = dir.resolve("rows-" + UUID.randomUUID() + ".csv");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void submitDirectWithAKekPublishesSealedRequestsWhoseKeysAreStored(KafkaBroker kafka, TestNames names) throws Exception {
        Setup s = setup(kafka, names);
        String a = "first.person" + DOMAIN;
        String b = "second.person" + DOMAIN;
        Ctl.Result r = s.sealing().run("submit", "--csv", csv(a, b).toString(), "--direct");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Submitted 2 erasure requests (2 published", "Keys: every request's identifiers were sealed"
                + " with a key of its own (key-encryption key kek-1, key topic " + s.keyTopic() + ")");
        assertThat(r.out() + r.err()).doesNotContain(DOMAIN).doesNotContain(s.kek());

        // Both lanes from the beginning: the two requests (INACTIVITY_PURGE: bulk lane), sealed, no email anywhere.
        List<String> published = new ArrayList<>(values(kafka, s.topics().requests()));
        published.addAll(values(kafka, s.topics().requestsBulk()));
        assertThat(published).hasSize(2).allSatisfy(v -> assertThat(v).contains("sealedIdentifiers").doesNotContain(DOMAIN)
                .doesNotContain("first.person").doesNotContain("second.person"));
        assertThat(values(kafka, s.keyTopic())).hasSize(2).allSatisfy(v -> assertThat(v).doesNotContain(DOMAIN));

        // Each key was stored under its request: a reader opens both.
        try (RequestKeys keys = keys(kafka, s)) {
            List<String> emails = new ArrayList<>();
            for (String v : published) {
                Opening o = keys.open(event(v));
                assertThat(o).isInstanceOf(Opening.Opened.class);
                emails.addAll(((Opening.Opened) o).request().identifiers().emails());
            }
            assertThat(emails).containsExactlyInAnyOrder(a, b);
        }
    }

    @Test
    void replayWithAKekSealsPlainOriginalsReSealsSealedOnesAndKeepsAShreddedOneAsItIs(KafkaBroker kafka, TestNames names) {
        Setup s = setup(kafka, names);
        String plainEmail = "plain.original" + DOMAIN;
        String sealedEmail = "sealed.original" + DOMAIN;
        String shreddedEmail = "shredded.original" + DOMAIN;
        ContributorErasureRequested plain = original("9201", plainEmail);
        ContributorErasureRequested sealed;
        ContributorErasureRequested shredded;
        // The originals on the interactive lane: one plain, two sealed like ingest seals them; one key then shredded.
        try (RequestKeys keys = keys(kafka, s);
             RequestPublisher p = new RequestPublisher(kafka.clientConfig(), s.topics(), "t-" + names.stem(), Duration.ofSeconds(10))) {
            p.publish(List.of(plain));
            sealed = keys.seal(original("9202", sealedEmail));
            shredded = keys.seal(original("9203", shreddedEmail));
            p.publish(List.of(sealed, shredded));
            keys.shred(shredded.requestId());
        }

        Ctl.Result r = s.sealing().run("replay", "--request-id", plain.requestId() + "," + sealed.requestId() + "," + shredded.requestId());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Replayed 3 requests", "Keys: every request's identifiers were sealed",
                "(key shredded: kept sealed, sinks report KEY_SHREDDED)");
        assertThat(r.out() + r.err()).doesNotContain(DOMAIN);

        // The bulk lane from the beginning holds the three replays only: sealed, no email.
        List<String> bulk = values(kafka, s.topics().requestsBulk());
        assertThat(bulk).hasSize(3).allSatisfy(v -> assertThat(v).contains("sealedIdentifiers").doesNotContain(DOMAIN)
                .doesNotContain("original"));
        Map<UUID, ContributorErasureRequested> byOriginal = new HashMap<>();
        bulk.stream().map(SealedCtlTest::event).forEach(e -> byOriginal.put(e.replayOf(), e));
        try (RequestKeys keys = keys(kafka, s)) {
            assertThat(keys.open(byOriginal.get(plain.requestId()))).isInstanceOfSatisfying(Opening.Opened.class,
                    o -> assertThat(o.request().identifiers().emails()).containsExactly(plainEmail));
            ContributorErasureRequested resealed = byOriginal.get(sealed.requestId());
            assertThat(resealed.sealedIdentifiers().keyId()).as("a key of its own").isNotEqualTo(sealed.sealedIdentifiers().keyId());
            assertThat(keys.open(resealed)).isInstanceOfSatisfying(Opening.Opened.class,
                    o -> assertThat(o.request().identifiers().emails()).containsExactly(sealedEmail));
            ContributorErasureRequested kept = byOriginal.get(shredded.requestId());
            assertThat(kept.sealedIdentifiers()).isEqualTo(shredded.sealedIdentifiers());
            assertThat(keys.open(kept)).isInstanceOf(Opening.KeyShredded.class);
        }

        // Without the KEK a sealed original is not replayed (its copy under a new id could never be opened).
        Ctl.Result refused = s.plain().run("replay", "--request-id", sealed.requestId().toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("need the key-encryption key", "nothing was published", sealed.requestId().toString());
        assertThat(values(kafka, s.topics().requestsBulk())).hasSize(3);
    }

    @Test
    void restorePublishesASealedRestoreOfEachErasureOnTheInteractiveLaneAndRefusesWhatIsNotAnErasure(KafkaBroker kafka, TestNames names) {
        Setup s = setup(kafka, names);
        String email = "restored.person" + DOMAIN;
        ContributorErasureRequested erased;
        ContributorErasureRequested dryRun = original("9302", "dry.person" + DOMAIN).toBuilder().mode(Mode.DRY_RUN).build();
        try (RequestKeys keys = keys(kafka, s);
             RequestPublisher p = new RequestPublisher(kafka.clientConfig(), s.topics(), "t-" + names.stem(), Duration.ofSeconds(10))) {
            erased = keys.seal(original("9301", email));
            p.publish(List.of(erased, dryRun));
        }

        Ctl.Result r = s.sealing().run("restore", "--direct", erased.requestId().toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Restore requested for 1 erasures", erased.requestId() + " -> ", "erasurectl status");
        assertThat(r.out() + r.err()).doesNotContain(DOMAIN);
        List<ContributorErasureRequested> restores = values(kafka, s.topics().requests()).stream().map(SealedCtlTest::event)
                .filter(e -> e.mode() == Mode.RESTORE).toList();
        assertThat(restores).singleElement().satisfies(e -> {
            assertThat(e.replayOf()).isEqualTo(erased.requestId());
            assertThat(e.contributorId()).isEqualTo("9301");
            assertThat(e.hasSealedIdentifiers()).isTrue();
        });
        try (RequestKeys keys = keys(kafka, s)) {
            assertThat(keys.open(restores.getFirst())).isInstanceOfSatisfying(Opening.Opened.class,
                    o -> assertThat(o.request().identifiers().emails()).containsExactly(email));
        }

        Ctl.Result notAnErasure = s.sealing().run("restore", "--direct", dryRun.requestId().toString());
        assertThat(notAnErasure.exitCode()).as(notAnErasure.toString()).isEqualTo(1);
        assertThat(notAnErasure.err()).contains("only an erasure (mode EXECUTE) can be restored", dryRun.requestId().toString());
        Ctl.Result unknown = s.sealing().run("restore", "--direct", UUID.randomUUID().toString());
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(5);
        assertThat(values(kafka, s.topics().requests()).stream().map(SealedCtlTest::event).filter(e -> e.mode() == Mode.RESTORE)).hasSize(1);
    }

    @Test
    void withoutAKekSubmitDirectAndReplayStayPlainAndSaySo(KafkaBroker kafka, TestNames names) throws Exception {
        Setup s = setup(kafka, names);
        String email = "still.plain" + DOMAIN;
        Ctl.Result r = s.plain().run("submit", "--csv", csv(email).toString(), "--direct", "--reason", "ACCOUNT_CLOSED");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Keys: off. The requests' identifiers went in plain text on "
                + s.topics().requests() + " and " + s.topics().requestsBulk());
        List<String> published = new ArrayList<>(values(kafka, s.topics().requests()));
        published.addAll(values(kafka, s.topics().requestsBulk()));
        assertThat(published).singleElement().satisfies(v -> assertThat(v).contains(email).doesNotContain("sealedIdentifiers"));
        ContributorErasureRequested original = event(published.getFirst());

        Ctl.Result replay = s.plain().run("replay", "--request-id", original.requestId().toString());
        assertThat(replay.exitCode()).as(replay.toString()).isZero();
        assertThat(replay.out()).contains("Keys: off. The requests' identifiers went in plain text on " + s.topics().requestsBulk());
        assertThat(values(kafka, s.topics().requestsBulk()).stream().map(SealedCtlTest::event).filter(e -> e.replayOf() != null))
                .singleElement().satisfies(e -> assertThat(e.identifiers()).isEqualTo(original.identifiers()));
        try (Admin admin = kafka.newAdmin()) {
            assertThat(admin.listTopics().names().get()).as("no key store without a KEK").doesNotContain(s.keyTopic());
        }
    }

    @Test
    void aKeyStoreThatDoesNotAcknowledgePublishesNothing(KafkaBroker kafka, TestNames names) throws Exception {
        Setup s = setup(kafka, names);
        // A compacted key topic that refuses every write (records larger than it accepts): the key is never acknowledged.
        try (Admin admin = kafka.newAdmin()) {
            admin.createTopics(List.of(new NewTopic(s.keyTopic(), Optional.of(1), Optional.of((short) 1))
                    .configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "16")))).all().get();
        }
        String email = "never.published" + DOMAIN;
        Ctl.Result r = s.sealing().with("ERASURECTL_KEYS_TIMEOUT", "3s").run("submit", "--csv", csv(email).toString(), "--direct");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.err()).contains("key store", "nothing was published").doesNotContain(DOMAIN).doesNotContain("never.published");
        assertThat(values(kafka, s.topics().requests())).isEmpty();
        assertThat(values(kafka, s.topics().requestsBulk())).isEmpty();
    }

    private static ContributorErasureRequested original(String contributorId, String email) {
        return ContributorErasureRequested.builder().contributorId(contributorId).identifiers(List.of(email), List.of("w-" + contributorId))
                .requestedBy("closure-service").reason(ErasureReason.ACCOUNT_CLOSED).mode(Mode.EXECUTE).build();
    }
}
