package org.erasure.events.integrity;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Identifiers;

/**
 * Keyed digest of a contributor's identifiers, stored in {@code ErasureCompleted.subjectDigest}
 * instead of the identifiers themselves. Whoever holds the key can answer "was this person
 * erased?" by recomputing it; without the key the digest reveals nothing (a plain hash of an email
 * could be brute-forced from a list of emails).
 *
 * <p>Canonical form (version 1), UTF-8, every line terminated by {@code \n}:
 * <pre>
 * erasure-subject/v1
 * contributor:&lt;contributorId, stripped&gt;
 * email:&lt;email, stripped, lower-cased (Locale.ROOT)&gt;      one line per distinct email
 * worker:&lt;worker id, stripped, case kept&gt;                one line per distinct worker id
 * </pre>
 * Emails and worker ids are each deduplicated and sorted by their UTF-8 bytes (unsigned), so the
 * order and duplicates of the input do not matter. Values containing control characters (so also
 * {@code \n}) are refused, which makes the form unambiguous. Output: lowercase hex of
 * HMAC-SHA256(key, canonical form). "Stripped" means {@link String#strip()} (Unicode whitespace).
 *
 * <p>Thread-safe (a {@link Mac} is created per call).
 */
public final class SubjectDigest {
    public static final int MIN_KEY_BYTES = 16;
    static final String ALGORITHM = "HmacSHA256";
    static final String HEADER = "erasure-subject/v1";

    private final SecretKeySpec key;

    /**
     * @param key HMAC key from configuration, at least {@value #MIN_KEY_BYTES} bytes; copied
     * @throws IllegalArgumentException if the key is null or too short
     */
    public SubjectDigest(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("subject digest key must be at least " + MIN_KEY_BYTES
                    + " bytes (got " + (key == null ? "none" : key.length + "") + ")");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
        mac(); // fail fast if the JRE lacks HmacSHA256
    }

    /** @throws IllegalStateException for a sealed request: open it first (erasure-keys), the digest needs the identifiers */
    public String digest(ContributorErasureRequested request) {
        if (request.hasSealedIdentifiers()) {
            throw new IllegalStateException("request " + request.requestId() + " has sealed identifiers: open them before digesting");
        }
        return digest(request.contributorId(), request.identifiers());
    }

    public String digest(String contributorId, Identifiers identifiers) {
        return digest(contributorId, identifiers.emails(), identifiers.workerIds());
    }

    public String digest(String contributorId, Collection<String> emails, Collection<String> workerIds) {
        byte[] canonical = canonicalForm(contributorId, emails, workerIds).getBytes(StandardCharsets.UTF_8);
        return HexFormat.of().formatHex(mac().doFinal(canonical));
    }

    /**
     * The canonical form that is MACed (see the class comment). Public so other tools can
     * cross-check digests; it contains the identifiers, so never log it.
     */
    public static String canonicalForm(String contributorId, Collection<String> emails, Collection<String> workerIds) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("contributor:").append(normalise(contributorId, "contributorId", false)).append('\n');
        for (String e : sortedDistinct(emails, "email", true)) {
            sb.append("email:").append(e).append('\n');
        }
        for (String w : sortedDistinct(workerIds, "worker id", false)) {
            sb.append("worker:").append(w).append('\n');
        }
        return sb.toString();
    }

    private static TreeSet<String> sortedDistinct(Collection<String> values, String what, boolean lowerCase) {
        TreeSet<String> set = new TreeSet<>((a, b) -> Arrays.compareUnsigned(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        for (String v : values == null ? List.<String>of() : values) {
            set.add(normalise(v, what, lowerCase));
        }
        return set;
    }

    private static String normalise(String value, String what, boolean lowerCase) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        String s = value.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " is blank");
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new IllegalArgumentException(what + " contains a control character");
            }
        }
        return lowerCase ? s.toLowerCase(Locale.ROOT) : s;
    }

    private Mac mac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "SubjectDigest[HmacSHA256, key=redacted]";
    }
}
