package org.erasure.sink.runtime.restore;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.KeysSettings;

/**
 * The {@code sink.restoration} section: the undo window (docs/privacy.md, "Undo window").
 *
 * @param enabled         keep before-images (only with a key-encryption key: nothing restorable is kept in clear)
 * @param window          how long an erasure can be undone: its restoration key is shredded this long after it was made
 * @param topic           where the sealed images go (cleanup.policy=delete, retention = window + retentionMargin)
 * @param partitions      the image topic's partitions when the sink creates it (a restore reads one)
 * @param retentionMargin how long the (by then unreadable) images stay on the topic after the window
 * @param sweepInterval   how often the sink looks for restoration keys whose window ended
 * @param keys            the restoration keys' settings: the sink's KEK, a compacted key topic of their own
 */
public record RestorationSettings(boolean enabled, Duration window, String topic, int partitions, Duration retentionMargin,
                                  Duration sweepInterval, KeysSettings keys) {

    /** @param sink the {@code sink} section (holds {@code keys} and {@code restoration}) */
    public static RestorationSettings from(Config sink) {
        Config r = sink.getConfig("restoration");
        Config keysSection = sink.getConfig("keys").withValue("topic.name", ConfigValueFactory.fromAnyRef(r.getString("keys-topic")));
        KeysSettings keys = KeysSettings.from(keysSection);
        return new RestorationSettings(r.getBoolean("enabled") && keys.kek() != null && !r.getDuration("window").isZero(),
                r.getDuration("window"), r.getString("topic"), r.getInt("partitions"), r.getDuration("retention-margin"), r.getDuration("sweep-interval"), keys);
    }

    public KeyTopic keyTopic() {
        return keys.topic();
    }

    /** Retention of the image topic: the images outlive their key by the margin, never the other way round. */
    public Duration topicRetention() {
        return window.plus(retentionMargin);
    }
}
