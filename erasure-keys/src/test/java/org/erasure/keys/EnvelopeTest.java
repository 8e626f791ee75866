package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.SealedIdentifiers;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final String EMAIL = "alice.example@example.com";
    static final Identifiers IDS = Identifiers.of(List.of(EMAIL, "alice@old-domain.org"), List.of("w-77"));
    final KeyEncryptionKey kek = randomKek("kek-1");
    final Envelope envelope = new Envelope(kek);
    final UUID requestId = UUID.randomUUID();

    static KeyEncryptionKey randomKek(String id) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return KeyEncryptionKey.fromBase64(id, Base64.getEncoder().encodeToString(b));
    }

    @Test
    void roundTrip() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        assertThat(envelope.open(requestId, s.sealed(), s.key())).isEqualTo(IDS);
        assertThat(s.key().kekId()).isEqualTo("kek-1");
        assertThat(s.key().keyId()).isEqualTo(s.sealed().keyId()).startsWith("dk-");
        // A fresh data key and nonce each time: the same identifiers never give the same bytes.
        Envelope.Sealing again = envelope.seal(requestId, IDS);
        assertThat(again.sealed().ciphertext()).isNotEqualTo(s.sealed().ciphertext());
        assertThat(again.key().wrapped()).isNotEqualTo(s.key().wrapped());
        // Layout: format byte, 12-byte nonce, ciphertext, 16-byte tag; the wrapped key: 1 + 12 + 32 + 16.
        assertThat(s.sealed().ciphertextBytes()[0]).isEqualTo((byte) 1);
        assertThat(Base64.getDecoder().decode(s.key().wrapped())).hasSize(61);
    }

    @Test
    void aCiphertextMovedToAnotherRequestDoesNotOpen() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        UUID other = UUID.randomUUID();
        // The wrapped key is bound to its request too, so neither half can be moved.
        assertThatThrownBy(() -> envelope.open(other, s.sealed(), s.key()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining(other.toString()).hasMessageContaining("does not unwrap");
        // Another request's key (same id forged) does not open this ciphertext either.
        Envelope.Sealing o = envelope.seal(other, IDS);
        WrappedKey forged = new WrappedKey(s.key().keyId(), o.key().kekId(), o.key().wrapped(), o.key().createdAt());
        assertThatThrownBy(() -> envelope.open(requestId, s.sealed(), forged)).isInstanceOf(EnvelopeException.class);
    }

    @Test
    void aWrongKeyEncryptionKeyDoesNotOpen() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        assertThatThrownBy(() -> new Envelope(randomKek("kek-1")).open(requestId, s.sealed(), s.key()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("does not unwrap");
        assertThatThrownBy(() -> new Envelope(randomKek("kek-2")).open(requestId, s.sealed(), s.key()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("wrapped by key-encryption key kek-1, this service has kek-2");
    }

    @Test
    void anyChangedByteIsRefused() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        byte[] ct = s.sealed().ciphertextBytes();
        for (int i = 0; i < ct.length; i++) {
            byte[] t = ct.clone();
            t[i] ^= 0x01;
            SealedIdentifiers tampered = SealedIdentifiers.of(s.sealed().keyId(), t);
            assertThatThrownBy(() -> envelope.open(requestId, tampered, s.key())).as("byte %d", i)
                    .isInstanceOf(EnvelopeException.class);
        }
        byte[] w = Base64.getDecoder().decode(s.key().wrapped());
        w[20] ^= 0x01;
        WrappedKey tamperedKey = new WrappedKey(s.key().keyId(), s.key().kekId(), Base64.getEncoder().encodeToString(w), s.key().createdAt());
        assertThatThrownBy(() -> envelope.open(requestId, s.sealed(), tamperedKey)).isInstanceOf(EnvelopeException.class);
        SealedIdentifiers truncated = SealedIdentifiers.of(s.sealed().keyId(), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> envelope.open(requestId, truncated, s.key())).isInstanceOf(EnvelopeException.class);
        SealedIdentifiers otherKeyId = new SealedIdentifiers("dk-other", s.sealed().ciphertext());
        assertThatThrownBy(() -> envelope.open(requestId, otherKeyId, s.key()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("sealed with key dk-other");
    }

    @Test
    void noPlainIdentifierInWhatIsStoredOrSent() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        for (byte[] bytes : List.of(s.sealed().ciphertextBytes(), s.sealed().ciphertext().getBytes(StandardCharsets.UTF_8),
                KafkaKeyStore.encode(s.key()), Base64.getDecoder().decode(s.key().wrapped()))) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain(EMAIL).doesNotContain("alice").doesNotContain("w-77");
        }
        assertThat(s.sealed().toString() + s.key() + kek).doesNotContain(s.key().wrapped()).doesNotContain(s.sealed().ciphertext());
    }

    @Test
    void failuresNeverQuoteKeyMaterialOrIdentifiers() {
        Envelope.Sealing s = envelope.seal(requestId, IDS);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> new Envelope(randomKek("kek-1")).open(requestId, s.sealed(), s.key()));
        assertThat(t.getMessage()).doesNotContain(s.key().wrapped()).doesNotContain(s.sealed().ciphertext()).doesNotContain("alice");
    }

    @Test
    void theKeyEncryptionKeyIsCheckedAndNeverPrinted() {
        String b64 = Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(KeyEncryptionKey.fromBase64("kek-1", b64).toString()).isEqualTo("KeyEncryptionKey[id=kek-1]");
        assertThatThrownBy(() -> KeyEncryptionKey.fromBase64("kek-1", Base64.getEncoder().encodeToString(new byte[16])))
                .hasMessage("key-encryption key must be 32 bytes (AES-256), got 16");
        assertThatThrownBy(() -> KeyEncryptionKey.fromBase64("kek-1", "sekrit!!")).hasMessage("key-encryption key is not valid base64");
        assertThatThrownBy(() -> KeyEncryptionKey.fromBase64("kek-1", "")).hasMessageContaining("not set");
        assertThatThrownBy(() -> KeyEncryptionKey.fromBase64("kek 1", b64)).hasMessageContaining("id must match");
    }
}
