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
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 *
 * <p>Key ring (KEK rotation): new keys are always wrapped by the <em>current</em> KEK; a stored key is unwrapped by
 * whichever configured KEK (current or previous) its {@link WrappedKey#kekId()} names, and {@link #rewrap} moves a key
 * onto the current KEK. A key naming a KEK this service does not have fails with a message naming that KEK's id.
 */
public final class Envelope {
    static final byte FORMAT = 1;
    static final int DATA_KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    private static final String GCM = "AES/GCM/NoPadding";
    private static final ObjectMapper JSON = EventJson.newMapper();

    private final KeyEncryptionKey kek;
    /** The current KEK and the previous ones, by id (the current first). */
    private final Map<String, KeyEncryptionKey> ring;
    private final SecureRandom random;
    private final Clock clock;

    /** One KEK: wraps and unwraps. */
    public Envelope(KeyEncryptionKey kek) {
        this(kek, List.of());
    }

    /**
     * A key ring: wraps with {@code current} only; unwraps with {@code current} or any of {@code previous} (retired
     * KEKs whose keys are not all rewrapped yet).
     *
     * @throws IllegalArgumentException when two KEKs share an id
     */
    public Envelope(KeyEncryptionKey current, Collection<KeyEncryptionKey> previous) {
        this(current, previous, new SecureRandom(), Clock.systemUTC());
    }

    Envelope(KeyEncryptionKey kek, SecureRandom random, Clock clock) {
        this(kek, List.of(), random, clock);
    }

    private Envelope(KeyEncryptionKey kek, Collection<KeyEncryptionKey> previous, SecureRandom random, Clock clock) {
        this.kek = Objects.requireNonNull(kek, "kek");
        Map<String, KeyEncryptionKey> r = new LinkedHashMap<>();
        r.put(kek.id(), kek);
        for (KeyEncryptionKey p : previous) {
            if (r.putIfAbsent(p.id(), p) != null) {
                throw new IllegalArgumentException("key-encryption key id " + p.id() + " is configured twice");
            }
        }
        this.ring = Collections.unmodifiableMap(r);
        this.random = random;
        this.clock = clock;
    }

    /** The id of the KEK new keys are wrapped with. */
    public String currentKekId() {
        return kek.id();
    }

    /** Whether this envelope has the KEK of that id (current or previous). */
    public boolean hasKek(String kekId) {
        return ring.containsKey(kekId);
    }

    /** The ids of every KEK this envelope has, the current one first. */
    public List<String> kekIds() {
        return List.copyOf(ring.keySet());
    }

    /** The KEK that wrapped {@code key}; {@code subject} starts the message (request or key id, never material). */
    private KeyEncryptionKey kekFor(WrappedKey key, String subject) {
        KeyEncryptionKey k = ring.get(key.kekId());
        if (k == null) {
            throw new EnvelopeException(subject + "key " + key.keyId() + " is wrapped by key-encryption key " + key.kekId()
                    + ", this service has " + kek.id() + (ring.size() > 1
                            ? " (previous: " + String.join(", ", ring.keySet().stream().skip(1).toList()) + ")" : "")
                    + ": key-encryption key " + key.kekId() + " is missing from keys.kek / keys.previous-keks");
        }
        return k;
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
        KeyEncryptionKey wrapping = kekFor(key, "request " + requestId + ": ");
        byte[] dataKey;
        try {
            dataKey = decrypt(wrapping.secretKey(), key.wrappedBytes(), WrappedKey.wrapAad(requestId, key.keyId()));
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
        return new DataKey(key.keyId(), unwrapRaw(owner, key), key, this);
    }

    /**
     * The same data key (same key id, same {@code createdAt}: the shredding schedules and the undo window count from
     * it) wrapped by the current KEK, for a key stored under {@code owner} (a requestId, or a restoration key's owner).
     *
     * @throws EnvelopeException when no configured KEK unwraps it (unknown KEK id, changed bytes, another owner's key)
     */
    public WrappedKey rewrap(UUID owner, WrappedKey key) {
        byte[] dataKey = unwrapRaw(owner, key);
        try {
            byte[] wrapped = encrypt(kek.secretKey(), dataKey, WrappedKey.wrapAad(owner, key.keyId()));
            return new WrappedKey(key.keyId(), kek.id(), Base64.getEncoder().encodeToString(wrapped), key.createdAt());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private byte[] unwrapRaw(UUID owner, WrappedKey key) {
        KeyEncryptionKey wrapping = kekFor(key, "");
        try {
            return decrypt(wrapping.secretKey(), key.wrappedBytes(), WrappedKey.wrapAad(owner, key.keyId()));
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
