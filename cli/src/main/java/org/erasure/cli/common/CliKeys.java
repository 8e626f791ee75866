package org.erasure.cli.common;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.keys.KeysSettings;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;

/**
 * Per-request keys for what erasurectl publishes itself ({@code submit --direct}, {@code replay}): with
 * {@code erasurectl.keys.kek} the publisher seals like ingest's (erasure-keys {@link RequestKeys#seal} through
 * erasure-client's {@link RequestPublisher#sealingWith}: the key is on the key topic before the request is published);
 * without, nothing is sealed and {@link #line} says the identifiers go in plain text.
 */
public final class CliKeys implements AutoCloseable {
    private final KeysSettings settings;
    /** Null without a KEK. */
    private final RequestKeys keys;

    private CliKeys(KeysSettings settings, RequestKeys keys) {
        this.settings = settings;
        this.keys = keys;
    }

    /** Opens the key store when a KEK is configured; a key store that cannot be used publishes nothing (exit 3). */
    public static CliKeys open(CliSettings s) {
        KeysSettings settings = s.keys();
        if (settings.kek() == null) {
            return new CliKeys(settings, null);
        }
        try {
            return new CliKeys(settings, RequestKeys.open(settings, s.kafka()));
        } catch (RuntimeException e) {
            throw unavailable(settings, e);
        }
    }

    public boolean sealing() {
        return keys != null;
    }

    /** The publisher, sealing every request it sends when a KEK is configured. */
    public RequestPublisher applyTo(RequestPublisher publisher) {
        return keys == null ? publisher : publisher.sealingWith(keys::sealAll);
    }

    /**
     * Opens sealed requests with one key-store read (only with a KEK).
     *
     * @throws CliException (exit 3) when the key store does not answer
     */
    public Map<UUID, Opening> openAll(Collection<ContributorErasureRequested> requests) {
        if (keys == null) {
            throw new IllegalStateException("no key-encryption key");
        }
        try {
            return keys.openAll(requests);
        } catch (RuntimeException e) {
            throw unavailable(settings, e);
        }
    }

    /** What happened to the identifiers of what was published on {@code topic}: one line, the KEK's id only. */
    public String line(String topic) {
        return keys == null
                ? "Keys: off. The requests' identifiers went in plain text on " + topic + " for its retention"
                        + " (erasurectl.keys.kek / ERASURECTL_KEYS_KEK: per-request keys; docs/privacy.md)."
                : "Keys: every request's identifiers were sealed with a key of its own (key-encryption key "
                        + settings.kek().id() + ", key topic " + settings.topic().name() + ").";
    }

    /** Messages of the key store name topics and request ids, never identifiers or key material. */
    private static CliException unavailable(KeysSettings settings, RuntimeException e) {
        return new CliException(ExitCode.UNREACHABLE, "the key store (key topic " + settings.topic().name()
                + ") is unavailable: " + e.getMessage() + "; nothing was published");
    }

    @Override
    public void close() {
        if (keys != null) {
            keys.close();
        }
    }
}
