package org.erasure.verifier.topology;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.serde.EventJson;

/**
 * Identity of a phase report for duplicate detection: SHA-256 of its JSON, kept in the state as
 * the first 16 bytes in unpadded base64url (22 characters instead of 64 hex ones; the state holds
 * one per report seen and is read and written for every record).
 *
 * <p>128 bits keep collisions negligible: a state compares a report with the few dozen reports of
 * its own phase at most, so the chance that a different report is taken for a duplicate is about
 * n²/2¹²⁹ — below 10⁻³⁵ for n = 100. States written before this format hold the full SHA-256 in
 * hex; {@link #matches} still recognises those, so a redelivery after an upgrade stays a duplicate.
 */
final class ReportFingerprint {
    private static final int COMPACT_BYTES = 16;
    private static final int LEGACY_HEX_LENGTH = 64;
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] sha256;
    private final String compact;

    private ReportFingerprint(byte[] sha256) {
        this.sha256 = sha256;
        this.compact = BASE64.encodeToString(Arrays.copyOf(sha256, COMPACT_BYTES));
    }

    static ReportFingerprint of(PhaseCompleted report) {
        // The bytes EventJson.writeString(report) encodes to in UTF-8, without the String in between.
        return new ReportFingerprint(sha256(EventJson.write(report)));
    }

    /** What the state stores. */
    String compact() {
        return compact;
    }

    /** True if {@code stored} is this report's fingerprint, in the current or the legacy (full hex) format. */
    boolean matches(String stored) {
        if (stored.length() == LEGACY_HEX_LENGTH) {
            return MessageDigest.isEqual(sha256, HexFormat.of().parseHex(stored));
        }
        return compact.equals(stored);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
