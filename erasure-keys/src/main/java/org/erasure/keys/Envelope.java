package org.erasure.keys;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.erasure.events.Identifiers;
import org.erasure.events.SealedIdentifiers;
import org.erasure.events.serde.EventJson;

/**
 * Envelope encryption of a request's identifiers, JDK crypto only.
 *
 * <ul>
 *   <li>A fresh random 256-bit data key per request; AES-GCM, random 96-bit nonce, 128-bit tag.</li>
 *   <li>Identifiers: the JSON {@code {"emails":[…],"workerIds":[…]}} sealed with the data key, additional
 *       data = the requestId, so a ciphertext moved onto another request fails to open.</li>
 *   <li>Data key: sealed the same way with the {@link KeyEncryptionKey}, additional data = requestId and key id.</li>
 *   <li>Byte layout of both: {@code 0x01 | nonce(12) | ciphertext+tag}; the leading format byte leaves room for another scheme.</li>
 * </ul>
 * The plain data key lives only inside {@link #seal} and {@link #open} and is zeroed after use (best effort on the JVM).
 */
public final class Envelope {
    static final byte FORMAT = 1;
    static final int DATA_KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    private static final String GCM = "AES/GCM/NoPadding";
    private static final ObjectMapper JSON = EventJson.newMapper();

    private final KeyEncryptionKey kek;
    private final SecureRandom random;
    private final Clock clock;

    public Envelope(KeyEncryptionKey kek) {
        this(kek, new SecureRandom(), Clock.systemUTC());
    }

    Envelope(KeyEncryptionKey kek, SecureRandom random, Clock clock) {
        this.kek = kek;
        this.random = random;
        this.clock = clock;
    }

    /** The sealed identifiers for the event and the wrapped key for the key store. */
    public record Sealing(SealedIdentifiers sealed, WrappedKey key) {}

    public Sealing seal(UUID requestId, Identifiers identifiers) {
        byte[] dataKey = new byte[DATA_KEY_BYTES];
        random.nextBytes(dataKey);
        byte[] plain = null;
        try {
            String keyId = "dk-" + HexFormat.of().formatHex(randomBytes(12));
            plain = JSON.writeValueAsBytes(identifiers);
            byte[] ciphertext = encrypt(new SecretKeySpec(dataKey, "AES"), plain, aad(requestId));
            byte[] wrapped = encrypt(kek.secretKey(), dataKey, WrappedKey.wrapAad(requestId, keyId));
            return new Sealing(SealedIdentifiers.of(keyId, ciphertext),
                    new WrappedKey(keyId, kek.id(), Base64.getEncoder().encodeToString(wrapped),
                            clock.instant().truncatedTo(ChronoUnit.MILLIS)));
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise the identifiers of request " + requestId);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
            if (plain != null) Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * @throws EnvelopeException if the key does not belong to this request or KEK, or any byte was changed
     */
    public Identifiers open(UUID requestId, SealedIdentifiers sealed, WrappedKey key) {
        if (!key.keyId().equals(sealed.keyId())) {
            throw new EnvelopeException("request " + requestId + ": sealed with key " + sealed.keyId() + ", the key store holds " + key.keyId());
        }
        if (!key.kekId().equals(kek.id())) {
            throw new EnvelopeException("request " + requestId + ": key " + key.keyId() + " is wrapped by key-encryption key "
                    + key.kekId() + ", this service has " + kek.id());
        }
        byte[] dataKey;
        try {
            dataKey = decrypt(kek.secretKey(), key.wrappedBytes(), WrappedKey.wrapAad(requestId, key.keyId()));
        } catch (AEADBadTagException e) {
            throw new EnvelopeException("request " + requestId + ": key " + key.keyId()
                    + " does not unwrap (another key-encryption key with the same id, a changed key, or another request's key)");
        }
        byte[] plain = null;
        try {
            plain = decrypt(new SecretKeySpec(dataKey, "AES"), sealed.ciphertextBytes(), aad(requestId));
            return JSON.readValue(plain, Identifiers.class);
        } catch (AEADBadTagException e) {
            throw new EnvelopeException("request " + requestId + ": identifiers do not open with key " + key.keyId()
                    + " (changed bytes, or a ciphertext of another request)");
        } catch (IOException e) {
            throw new EnvelopeException("request " + requestId + ": opened identifiers are not valid JSON");
        } finally {
            Arrays.fill(dataKey, (byte) 0);
            if (plain != null) Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * A fresh data key for bytes other than identifiers, stored under {@code owner} in a key store (e.g. a request's
     * restoration key). {@code keyIdPrefix} starts its id (e.g. {@code rk-POSTGRES}), so a store's keys can be told apart.
     */
    public DataKey newDataKey(UUID owner, String keyIdPrefix) {
        byte[] dataKey = new byte[DATA_KEY_BYTES];
        random.nextBytes(dataKey);
        String keyId = keyIdPrefix + "-" + HexFormat.of().formatHex(randomBytes(12));
        byte[] wrapped = encrypt(kek.secretKey(), dataKey, WrappedKey.wrapAad(owner, keyId));
        WrappedKey w = new WrappedKey(keyId, kek.id(), Base64.getEncoder().encodeToString(wrapped),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        return new DataKey(keyId, dataKey, w, this);
    }

    /** @throws EnvelopeException when the key belongs to another owner or key-encryption key, or was changed */
    public DataKey unwrap(UUID owner, WrappedKey key) {
        if (!key.kekId().equals(kek.id())) {
            throw new EnvelopeException("key " + key.keyId() + " is wrapped by key-encryption key " + key.kekId() + ", this service has " + kek.id());
        }
        try {
            return new DataKey(key.keyId(), decrypt(kek.secretKey(), key.wrappedBytes(), WrappedKey.wrapAad(owner, key.keyId())), key, this);
        } catch (AEADBadTagException e) {
            throw new EnvelopeException("key " + key.keyId() + " does not unwrap (another key-encryption key with the same id, a changed key, or another owner's key)");
        }
    }

    private static byte[] aad(UUID requestId) {
        return requestId.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    byte[] encrypt(SecretKey key, byte[] plain, byte[] aad) {
        byte[] nonce = randomBytes(NONCE_BYTES);
        try {
            Cipher c = Cipher.getInstance(GCM);
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            byte[] out = c.doFinal(plain);
            return ByteBuffer.allocate(1 + NONCE_BYTES + out.length).put(FORMAT).put(nonce).put(out).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e.getClass().getSimpleName());
        }
    }

    static byte[] decrypt(SecretKey key, byte[] sealed, byte[] aad) throws AEADBadTagException {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != FORMAT) {
            throw new AEADBadTagException("unknown format"); // reported by the caller without the bytes
        }
        try {
            Cipher c = Cipher.getInstance(GCM);
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e.getClass().getSimpleName());
        }
    }
}
