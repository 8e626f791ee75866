package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.junit.jupiter.api.Test;

/**
 * KEK rotation on the real broker: requests sealed under kek-1 open with a ring (kek-2 current, kek-1 previous);
 * after the rewrap the key topic holds them under kek-2 and kek-2 alone opens them; a shred stays a shred, also one
 * written by another process between the rewrap's check and its write.
 */
@DevStackTest
class KekRotationTest {
    private static final Duration READ = Duration.ofSeconds(30);
    final KeyEncryptionKey kek1 = EnvelopeTest.randomKek("kek-1");
    final KeyEncryptionKey kek2 = EnvelopeTest.randomKek("kek-2");
    final Envelope ring = new Envelope(kek2, List.of(kek1));

    private static KeyTopic topic(String name) {
        return new KeyTopic(name, 2, (short) 1, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), Duration.ofMinutes(1));
    }

    @Test
    void requestsSealedUnderTheOldKekOpenThroughTheRotationAndAShredStaysAShred(KafkaBroker kafka, TestNames names) throws Exception {
        KeyTopic keys = topic(names.topic("request-keys"));
        ContributorErasureRequested a;
        ContributorErasureRequested shredded;
        try (RequestKeys old = new RequestKeys(new Envelope(kek1), KafkaKeyStore.open(keys, kafka.clientConfig(), READ))) {
            a = old.seal(RequestKeysTest.request("c-rot-a", "a@rotation.example.com"));
            shredded = old.seal(RequestKeysTest.request("c-rot-b", "b@rotation.example.com"));
            old.shred(shredded.requestId());
        }
        // Step 2 of the rotation: services wrap with kek-2 and still open what kek-1 wrapped.
        try (RequestKeys reader = new RequestKeys(ring, KafkaKeyStore.open(keys, kafka.clientConfig(), READ))) {
            assertThat(reader.open(a)).isInstanceOf(Opening.Opened.class);
            assertThat(reader.open(shredded)).isEqualTo(new Opening.KeyShredded(shredded.requestId()));
        }
        WrappedKey before = KafkaKeyStore.decode(TopicReader.latest(kafka, keys.name(), READ).get(a.requestId().toString()).getBytes());

        // Step 3: rewrap. The shredded key is not among the live ones: nothing resurrects it.
        try (KafkaKeyStore store = KafkaKeyStore.openForRotation(keys, kafka.clientConfig(), READ)) {
            assertThat(KeyRotation.rewrapAll(ring, store, true)).isEqualTo(new KeyRotation.Result(1, 0, 1, 0, 0, Map.of(), 0, 0));
            assertThat(TopicReader.latest(kafka, keys.name(), READ).get(a.requestId().toString())).contains("\"kekId\":\"kek-1\"");
            assertThat(KeyRotation.rewrapAll(ring, store, false)).isEqualTo(new KeyRotation.Result(1, 0, 1, 0, 0, Map.of(), 0, 0));
        }
        Map<String, String> latest = TopicReader.latest(kafka, keys.name(), READ);
        assertThat(latest).doesNotContainKey(shredded.requestId().toString());
        WrappedKey after = KafkaKeyStore.decode(latest.get(a.requestId().toString()).getBytes());
        assertThat(after.kekId()).isEqualTo("kek-2");
        assertThat(after.keyId()).isEqualTo(before.keyId());
        assertThat(after.createdAt()).isEqualTo(before.createdAt());

        // Step 4: kek-1 removed everywhere; a fresh reader with kek-2 alone opens the request.
        try (RequestKeys onlyNew = new RequestKeys(new Envelope(kek2), KafkaKeyStore.open(keys, kafka.clientConfig(), READ))) {
            Opening o = onlyNew.open(a);
            assertThat(o).isInstanceOf(Opening.Opened.class);
            assertThat(((Opening.Opened) o).request().identifiers().emails()).containsExactly("a@rotation.example.com");
            assertThat(onlyNew.open(shredded)).isEqualTo(new Opening.KeyShredded(shredded.requestId()));
        }
        // A reader that never got kek-1 could not have opened it before: KEY_UNREADABLE, naming the KEK it lacks.
        try (RequestKeys lacking = new RequestKeys(new Envelope(EnvelopeTest.randomKek("kek-3")), KafkaKeyStore.open(keys, kafka.clientConfig(), READ))) {
            Opening o = lacking.open(a);
            assertThat(o).isInstanceOf(Opening.Unreadable.class);
            assertThat(((Opening.Unreadable) o).reason()).contains("key-encryption key kek-2 is missing");
        }
    }

    @Test
    void aShredWrittenByAnotherProcessBetweenTheCheckAndTheWriteIsWrittenAgainAndANewKeyIsPutBack(KafkaBroker kafka, TestNames names) {
        KeyTopic keys = topic(names.topic("restoration-keys"));
        Envelope old = new Envelope(kek1);
        UUID victim = UUID.randomUUID();
        UUID renewed = UUID.randomUUID();
        UUID untouched = UUID.randomUUID();
        // Restoration keys (createdAt drives the undo window).
        Map<UUID, WrappedKey> made = new java.util.HashMap<>();
        try (KafkaKeyStore sink = KafkaKeyStore.open(keys, kafka.clientConfig(), READ)) {
            for (UUID id : List.of(victim, renewed, untouched)) {
                try (DataKey k = old.newDataKey(id, "rk-POSTGRES")) {
                    made.put(id, k.wrapped());
                }
            }
            sink.putAll(made);
        }
        WrappedKey newKey;
        try (KafkaKeyStore rotating = KafkaKeyStore.openForRotation(keys, kafka.clientConfig(), READ);
             KafkaKeyStore sink = KafkaKeyStore.open(keys, kafka.clientConfig(), READ)) {
            try (DataKey k = ring.newDataKey(renewed, "rk-POSTGRES")) {
                newKey = k.wrapped();
            }
            // The race, made deterministic: after the rewrap has checked the keys, before it writes them, a sink
            // (another process: its own producer) shreds one key and puts a fresh key for another.
            rotating.beforeReplacing(() -> {
                sink.shred(victim);
                sink.put(renewed, newKey);
            });
            KeyRotation.Result r = KeyRotation.rewrapAll(ring, rotating, false);
            assertThat(r).isEqualTo(new KeyRotation.Result(3, 0, 1, 1, 1, Map.of(), 0, 0));
        }
        Map<String, String> latest = TopicReader.latest(kafka, keys.name(), READ);
        assertThat(latest).doesNotContainKey(victim.toString()).containsKeys(renewed.toString(), untouched.toString());
        assertThat(latest.get(renewed.toString())).contains(newKey.keyId());
        WrappedKey rewrapped = decode(latest.get(untouched.toString()));
        assertThat(rewrapped.kekId()).isEqualTo("kek-2");
        assertThat(rewrapped.keyId()).isEqualTo(made.get(untouched).keyId());
        assertThat(rewrapped.createdAt()).isEqualTo(made.get(untouched).createdAt());
        try (KafkaKeyStore fresh = KafkaKeyStore.open(keys, kafka.clientConfig(), READ)) {
            assertThat(fresh.get(victim)).isEmpty();
            assertThat(fresh.get(renewed)).contains(newKey);
            new Envelope(kek2).unwrap(untouched, fresh.get(untouched).orElseThrow()).close();
        }
    }

    @Test
    void aKeyPutBackOverItsShredByARewrapKilledBeforeItsCheckIsShreddedAgainByTheNextRewrap(KafkaBroker kafka, TestNames names) {
        KeyTopic keys = topic(names.topic("request-keys"));
        UUID victim = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        WrappedKey original = new Envelope(kek1).seal(victim, EnvelopeTest.IDS).key();
        try (KafkaKeyStore store = KafkaKeyStore.open(keys, kafka.clientConfig(), READ)) {
            store.put(victim, original);
            store.put(other, new Envelope(kek1).seal(other, EnvelopeTest.IDS).key());
            store.shred(victim);
            // What a rewrap killed between its write and its check leaves: the rewrapped key over the tombstone.
            store.put(victim, ring.rewrap(victim, original));
        }
        try (KafkaKeyStore rotating = KafkaKeyStore.openForRotation(keys, kafka.clientConfig(), READ)) {
            assertThat(KeyRotation.rewrapAll(ring, rotating, true)).isEqualTo(new KeyRotation.Result(2, 0, 1, 0, 0, Map.of(), 0, 1));
            assertThat(KeyRotation.rewrapAll(ring, rotating, false)).isEqualTo(new KeyRotation.Result(2, 0, 1, 0, 0, Map.of(), 0, 1));
        }
        assertThat(TopicReader.latest(kafka, keys.name(), READ)).doesNotContainKey(victim.toString()).containsKey(other.toString());
        try (KafkaKeyStore fresh = KafkaKeyStore.openForRotation(keys, kafka.clientConfig(), READ)) {
            assertThat(fresh.get(victim)).isEmpty();
            assertThat(fresh.resurrected()).isEmpty();
        }
    }

    private static WrappedKey decode(String json) {
        try {
            return KafkaKeyStore.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
