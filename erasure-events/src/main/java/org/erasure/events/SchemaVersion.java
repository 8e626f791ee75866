package org.erasure.events;

import java.util.Set;

/**
 * Event schema versions. Additive changes (new optional fields) keep the version, because readers
 * ignore unknown fields; a breaking change gets a new version and a new topic suffix
 * (see {@link Topics#versioned(String, int)}).
 */
public final class SchemaVersion {
    /** The version this library writes. */
    public static final int CURRENT = 1;
    /** The versions this library can read. */
    public static final Set<Integer> SUPPORTED = Set.of(1);

    private SchemaVersion() {}

    public static boolean isSupported(int version) {
        return SUPPORTED.contains(version);
    }

    /** e.g. "schemaVersion 7 is not supported (supported: 1)". */
    public static String unsupportedMessage(int version) {
        return "schemaVersion " + version + " is not supported (supported: "
                + SUPPORTED.stream().sorted().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("") + ")";
    }
}
