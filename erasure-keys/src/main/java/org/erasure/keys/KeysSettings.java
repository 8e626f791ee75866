package org.erasure.keys;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * A program's {@code keys { }} section, read with the module's defaults ({@code erasure-keys-defaults.conf}).
 *
 * @param encrypt whether requests are sealed (off by default: plain requests, as before)
 * @param kek     the key-encryption key, or null when encryption is off and no key is set
 * @param timeout how long a key-store read or write may take
 * @param topic   the key topic
 */
public record KeysSettings(boolean encrypt, KeyEncryptionKey kek, Duration timeout, KeyTopic topic) {

    private static final Config DEFAULTS = ConfigFactory.parseResources(KeysSettings.class, "/erasure-keys-defaults.conf");

    /**
     * @param section the program's keys section (e.g. {@code config.getConfig("ingest.keys")}), or an empty config
     * @throws IllegalArgumentException when encryption is on without a usable key-encryption key: a clear
     *         start-up error, never the key's value
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
        Config t = c.getConfig("topic");
        KeyTopic topic = new KeyTopic(t.getString("name"), t.getInt("partitions"), (short) t.getInt("replication-factor"),
                t.getDuration("segment"), t.getDuration("max-compaction-lag"), t.getDuration("delete-retention"),
                t.getDuration("file-delete-delay"));
        return new KeysSettings(encrypt, kek, c.getDuration("timeout"), topic);
    }
}
