package org.erasure.keys;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A program's {@code keys { }} section, read with the module's defaults ({@code erasure-keys-defaults.conf}).
 *
 * @param encrypt      whether requests are sealed (off by default: plain requests, as before)
 * @param kek          the key-encryption key, or null when encryption is off and no key is set
 * @param timeout      how long a key-store read or write may take
 * @param topic        the key topic
 * @param previousKeks retired KEKs (KEK rotation): they still unwrap the keys they wrapped, never wrap a new one
 */
public record KeysSettings(boolean encrypt, KeyEncryptionKey kek, Duration timeout, KeyTopic topic, List<KeyEncryptionKey> previousKeks) {

    private static final Config DEFAULTS = ConfigFactory.parseResources(KeysSettings.class, "/erasure-keys-defaults.conf");

    public KeysSettings {
        previousKeks = List.copyOf(previousKeks);
    }

    /** Without previous KEKs. */
    public KeysSettings(boolean encrypt, KeyEncryptionKey kek, Duration timeout, KeyTopic topic) {
        this(encrypt, kek, timeout, topic, List.of());
    }

    /**
     * @param section the program's keys section (e.g. {@code config.getConfig("ingest.keys")}), or an empty config
     * @throws IllegalArgumentException when encryption is on without a usable key-encryption key, or a previous KEK
     *         is malformed: a clear start-up error naming the key (and the entry's position), never its value
     */
    public static KeysSettings from(Config section) {
        Config c = section.withFallback(DEFAULTS).resolve();
        boolean encrypt = c.getBoolean("encrypt");
        String kekText = c.getString("kek");
        KeyEncryptionKey kek = null;
        if (encrypt && kekText.isBlank()) {
            throw new IllegalArgumentException("keys.encrypt is on but keys.kek is not set: give the key-encryption key"
                    + " (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) through the environment");
        }
        if (!kekText.isBlank()) {
            try {
                kek = KeyEncryptionKey.fromBase64(c.getString("kek-id"), kekText);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("keys.kek: " + e.getMessage());
            }
        }
        List<KeyEncryptionKey> previous = previousKeks(c.getString("previous-keks"), kek);
        Config t = c.getConfig("topic");
        KeyTopic topic = new KeyTopic(t.getString("name"), t.getInt("partitions"), (short) t.getInt("replication-factor"),
                t.getDuration("segment"), t.getDuration("max-compaction-lag"), t.getDuration("delete-retention"),
                t.getDuration("file-delete-delay"));
        return new KeysSettings(encrypt, kek, c.getDuration("timeout"), topic, previous);
    }

    /** The envelope of these settings: wraps with {@link #kek()}, unwraps with it or any of {@link #previousKeks()}. */
    public Envelope envelope() {
        if (kek == null) {
            throw new IllegalStateException("no key-encryption key configured (keys.kek)");
        }
        return new Envelope(kek, previousKeks);
    }

    /**
     * {@code id=base64} entries separated by commas or whitespace. Ids cannot hold {@code =}, base64 can (padding):
     * an entry is split at its first {@code =}. Errors name the entry by position, and by id only once the id is a
     * valid one followed by a value (an entry without its id would otherwise be named by key material).
     */
    static List<KeyEncryptionKey> previousKeks(String text, KeyEncryptionKey current) {
        List<KeyEncryptionKey> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        if (current == null) {
            throw new IllegalArgumentException("keys.previous-keks is set but keys.kek is not: the current key-encryption key"
                    + " wraps new keys, the previous ones only unwrap");
        }
        Set<String> ids = new HashSet<>();
        int position = 0;
        for (String entry : text.strip().split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            position++;
            int eq = entry.indexOf('=');
            String id = eq > 0 ? entry.substring(0, eq) : null;
            String value = eq > 0 ? entry.substring(eq + 1) : "";
            if (id == null || value.isEmpty() || !KeyEncryptionKey.ID.matcher(id).matches()) {
                throw new IllegalArgumentException("keys.previous-keks entry " + position + ": expected id=base64"
                        + " (an id of [A-Za-z0-9_.:-]{1,64}, '=', then base64 of 32 bytes)");
            }
            String where = "keys.previous-keks entry " + position + " (" + id + "): ";
            if (id.equals(current.id())) {
                throw new IllegalArgumentException(where + "the id is the current keys.kek-id; a previous KEK needs an id of its own");
            }
            if (!ids.add(id)) {
                throw new IllegalArgumentException(where + "the id is given twice");
            }
            try {
                out.add(KeyEncryptionKey.fromBase64(id, value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
        }
        return out;
    }
}
