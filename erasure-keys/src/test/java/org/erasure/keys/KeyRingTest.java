package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The key ring (KEK rotation) without a broker: settings, unwrapping by kek id, rewrap, the in-memory replace. */
class KeyRingTest {
    static final String KEK1 = randomBase64();
    static final String KEK2 = randomBase64();
    final UUID requestId = UUID.randomUUID();

    static String randomBase64() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    static KeysSettings settings(String keys) {
        return KeysSettings.from(ConfigFactory.parseString(keys));
    }

    @Test
    void previousKeksAreParsedFromIdEqualsBase64EntriesSplitAtTheFirstEquals() {
        String kek3 = randomBase64();
        // Base64 of 32 bytes ends in '=': only the first '=' separates id and value. Commas, spaces and newlines separate entries.
        KeysSettings s = settings("kek = \"" + KEK2 + "\", kek-id = kek-2, previous-keks = \" kek-1=" + KEK1 + " ,\\n kek-0=" + kek3 + "\"");
        assertThat(s.previousKeks()).extracting(KeyEncryptionKey::id).containsExactly("kek-1", "kek-0");
        assertThat(s.envelope().kekIds()).containsExactly("kek-2", "kek-1", "kek-0");
        assertThat(s.envelope().currentKekId()).isEqualTo("kek-2");
        assertThat(settings("kek = \"" + KEK2 + "\"").previousKeks()).isEmpty();
        assertThat(KeysSettings.from(ConfigFactory.empty()).previousKeks()).isEmpty();
    }

    @Test
    void malformedPreviousKeksAreStartUpErrorsNamingThePositionOrIdNeverTheValue() {
        String base = "kek = \"" + KEK2 + "\", kek-id = kek-2, previous-keks = ";
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        Map<String, String> cases = Map.of(
                "\"" + KEK1 + "\"", "keys.previous-keks entry 1: expected id=base64",   // the id forgotten: not named (it would be key material)
                "\"kek-1=\"", "keys.previous-keks entry 1: expected id=base64",
                "\"kek-0=" + KEK1 + ", bad id=" + KEK1 + "\"", "keys.previous-keks entry 2: expected id=base64",
                "\"kek-2=" + KEK1 + "\"", "keys.previous-keks entry 1 (kek-2): the id is the current keys.kek-id",
                "\"kek-1=" + KEK1 + " kek-1=" + randomBase64() + "\"", "keys.previous-keks entry 2 (kek-1): the id is given twice",
                "\"kek-1=" + shortKey + "\"", "keys.previous-keks entry 1 (kek-1): key-encryption key must be 32 bytes (AES-256), got 16",
                "\"kek-1=not!base64\"", "keys.previous-keks entry 1 (kek-1): key-encryption key is not valid base64");
        cases.forEach((value, message) -> assertThatThrownBy(() -> settings(base + value)).as(value)
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message)
                .hasMessageNotContaining(KEK1).hasMessageNotContaining(KEK1.substring(0, 20)).hasMessageNotContaining(shortKey)
                .hasMessageNotContaining("not!base64"));
        assertThatThrownBy(() -> settings("previous-keks = \"kek-1=" + KEK1 + "\""))
                .hasMessageContaining("keys.previous-keks is set but keys.kek is not").hasMessageNotContaining(KEK1);
    }

    @Test
    void aRingUnwrapsByKekIdWrapsWithTheCurrentOneAndRewrapKeepsKeyIdAndCreatedAt() {
        KeyEncryptionKey k1 = KeyEncryptionKey.fromBase64("kek-1", KEK1);
        KeyEncryptionKey k2 = KeyEncryptionKey.fromBase64("kek-2", KEK2);
        Envelope.Sealing s = new Envelope(k1).seal(requestId, EnvelopeTest.IDS);
        Envelope ring = new Envelope(k2, List.of(k1));
        Envelope onlyNew = new Envelope(k2);

        assertThat(ring.open(requestId, s.sealed(), s.key())).isEqualTo(EnvelopeTest.IDS);
        assertThat(ring.seal(requestId, EnvelopeTest.IDS).key().kekId()).isEqualTo("kek-2");
        assertThat(ring.newDataKey(requestId, "rk-TEST").wrapped().kekId()).isEqualTo("kek-2");
        assertThatThrownBy(() -> onlyNew.open(requestId, s.sealed(), s.key())).isInstanceOf(EnvelopeException.class)
                .hasMessageContaining("wrapped by key-encryption key kek-1, this service has kek-2")
                .hasMessageContaining("key-encryption key kek-1 is missing from keys.kek / keys.previous-keks");
        assertThatThrownBy(() -> new Envelope(k2, List.of(KeyEncryptionKey.fromBase64("kek-2", KEK1))))
                .hasMessageContaining("kek-2 is configured twice");

        WrappedKey rewrapped = ring.rewrap(requestId, s.key());
        assertThat(rewrapped.keyId()).isEqualTo(s.key().keyId());
        assertThat(rewrapped.createdAt()).isEqualTo(s.key().createdAt());
        assertThat(rewrapped.kekId()).isEqualTo("kek-2");
        assertThat(onlyNew.open(requestId, s.sealed(), rewrapped)).isEqualTo(EnvelopeTest.IDS);
        // Still bound to its owner: a rewrapped key moved to another request does not unwrap.
        assertThatThrownBy(() -> onlyNew.open(UUID.randomUUID(), s.sealed(), rewrapped)).isInstanceOf(EnvelopeException.class);

        // A restoration key: what it sealed before the rewrap opens with the rewrapped key and the new KEK alone.
        UUID owner = UUID.randomUUID();
        byte[] sealed;
        WrappedKey rk;
        try (DataKey k = new Envelope(k1).newDataKey(owner, "rk-POSTGRES")) {
            sealed = k.seal(new byte[] {1, 2, 3}, new byte[] {9});
            rk = k.wrapped();
        }
        WrappedKey rk2 = ring.rewrap(owner, rk);
        assertThat(rk2.createdAt()).isEqualTo(rk.createdAt());
        try (DataKey k = onlyNew.unwrap(owner, rk2)) {
            assertThat(k.open(sealed, new byte[] {9})).containsExactly(1, 2, 3);
        }
    }

    @Test
    void theInMemoryStoreReplacesOnlyTheKeyThatWasReadAndReportsShredsAndChangesMeanwhile() {
        KeyEncryptionKey k1 = KeyEncryptionKey.fromBase64("kek-1", KEK1);
        Envelope old = new Envelope(k1);
        Envelope ring = new Envelope(KeyEncryptionKey.fromBase64("kek-2", KEK2), List.of(k1));
        InMemoryKeyStore store = new InMemoryKeyStore();
        UUID kept = UUID.randomUUID();
        UUID shredded = UUID.randomUUID();
        UUID changed = UUID.randomUUID();
        for (UUID id : List.of(kept, shredded, changed)) {
            store.put(id, old.seal(id, EnvelopeTest.IDS).key());
        }
        UUID unknown = UUID.randomUUID();
        store.put(unknown, new Envelope(EnvelopeTest.randomKek("kek-0")).seal(unknown, EnvelopeTest.IDS).key());

        KeyRotation.Result dry = KeyRotation.rewrapAll(ring, store, true);
        assertThat(dry).isEqualTo(new KeyRotation.Result(4, 0, 3, 0, 0, Map.of("kek-0", 1), 0, 0));
        assertThat(store.get(kept).orElseThrow().kekId()).isEqualTo("kek-1");

        Map<UUID, KeyStore.Replacement> replacements = new java.util.HashMap<>();
        for (UUID id : List.of(kept, shredded, changed)) {
            WrappedKey k = store.get(id).orElseThrow();
            replacements.put(id, new KeyStore.Replacement(k, ring.rewrap(id, k)));
        }
        store.shred(shredded);
        WrappedKey other = ring.seal(changed, EnvelopeTest.IDS).key();
        store.put(changed, other);
        KeyStore.Replaced r = store.replaceAll(replacements);
        assertThat(r).isEqualTo(new KeyStore.Replaced(java.util.Set.of(kept), java.util.Set.of(shredded), java.util.Set.of(changed)));
        assertThat(store.get(shredded)).isEmpty();
        assertThat(store.get(changed)).contains(other);
        assertThat(store.get(kept).orElseThrow().kekId()).isEqualTo("kek-2");

        KeyRotation.Result again = KeyRotation.rewrapAll(ring, store, false);
        assertThat(again).isEqualTo(new KeyRotation.Result(3, 2, 0, 0, 0, Map.of("kek-0", 1), 0, 0));
        assertThat(again.complete()).isFalse();
    }
}
