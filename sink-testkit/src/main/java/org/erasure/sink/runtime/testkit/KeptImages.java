package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;

/**
 * A {@link RestorationLog} for store-level tests: seals every image with AES-GCM under a random key per request
 * (held in memory), keeps the sealed bytes, and hands the opened images back to {@link ErasureStore#restore}.
 * {@link #shred} drops a request's key, as the end of the undo window does. What the runtime does with Kafka
 * (sink-runtime's restoration log) is tested there; this checks the store's side of the contract.
 */
public final class KeptImages implements RestorationLog {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<UUID, SecretKey> keys = new ConcurrentHashMap<>();
    private final Map<UUID, List<Sealed>> kept = new ConcurrentHashMap<>();
    private final List<byte[]> sealedElsewhere = new ArrayList<>();

    private record Sealed(String target, byte[] bytes) {}

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public synchronized void keep(List<BeforeImage> images) {
        for (BeforeImage image : images) {
            kept.computeIfAbsent(image.requestId(), id -> new ArrayList<>())
                    .add(new Sealed(image.target(), seal(image.requestId(), image.content())));
        }
    }

    @Override
    public byte[] seal(UUID requestId, byte[] plain) {
        SecretKey key = keys.computeIfAbsent(requestId, id -> newKey());
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(requestId.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain);
            return ByteBuffer.allocate(12 + ct.length).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] open(UUID requestId, byte[] sealed) {
        SecretKey key = keys.get(requestId);
        if (key == null) {
            throw new StoreException("RESTORATION_KEY_SHREDDED", "the restoration key of request " + requestId + " was shredded");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, 12));
            c.updateAAD(requestId.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return c.doFinal(sealed, 12, sealed.length - 12);
        } catch (GeneralSecurityException e) {
            throw new StoreException("RESTORATION_UNREADABLE", "restoration data of request " + requestId + " does not open");
        }
    }

    /** The request's images, opened, in the order kept (what the runtime hands to {@link ErasureStore#restore}). */
    public synchronized List<BeforeImage> images(UUID requestId) {
        List<BeforeImage> out = new ArrayList<>();
        for (Sealed s : kept.getOrDefault(requestId, List.of())) {
            out.add(new BeforeImage(requestId, s.target(), open(requestId, s.bytes())));
        }
        return out;
    }

    /** How many images were kept for the request. */
    public synchronized int count(UUID requestId) {
        return kept.getOrDefault(requestId, List.of()).size();
    }

    /** Restores one request through the store, as the runtime does. */
    public Map<String, Long> restore(ErasureStore store, UUID requestId) {
        return store.restore(requestId, images(requestId), this);
    }

    /** Ends the request's undo window: its images no longer open. */
    public void shred(UUID requestId) {
        keys.remove(requestId);
    }

    /** Asserts that no kept (sealed) image contains {@code clear} (e.g. an email) as bytes. */
    public synchronized void assertNothingInClear(byte[] clear) {
        for (List<Sealed> list : kept.values()) {
            for (Sealed s : list) {
                assertThat(indexOf(s.bytes(), clear)).as("a kept image holds a value in clear").isEqualTo(-1);
            }
        }
    }

    /** Where {@code needle} starts in {@code hay}, or -1: a byte search for tests that look for a value in clear. */
    public static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static SecretKey newKey() {
        try {
            KeyGenerator g = KeyGenerator.getInstance("AES");
            g.init(256);
            return g.generateKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "KeptImages[" + kept.size() + " requests]";
    }

}
