package org.erasure.sink.runtime.spi;

import java.util.List;
import java.util.UUID;

/**
 * The undo window's write-ahead: what a store keeps, right before it masks or deletes, so that an erasure can
 * be undone ({@link ErasureStore#restore}) until the window ends. Reached through
 * {@link WriteAhead#restoration()} inside {@link ErasureStore#erase}.
 *
 * <p>Everything kept is sealed (AES-GCM) under a key of the request and phase of its own, the
 * <em>restoration key</em>, wrapped by the key-encryption key; the window ends when that key is shredded.
 * Nothing restorable is ever kept in clear: a store that keeps data elsewhere (S3 object content in a
 * restoration bucket) seals it first with {@link #seal}.
 *
 * <ul>
 *   <li>When {@link #enabled()} is false (no key-encryption key, window off, or a dry run) {@link #keep} does
 *       nothing: a store may skip reading before-images at all.</li>
 *   <li>Call {@link #keep} for the EXECUTE items after you know what you will change and before the change is
 *       durable, before {@link WriteAhead#record}. It returns once the images are durable; if it throws (a
 *       {@link StoreUnavailableException}), change nothing.</li>
 *   <li>Keep what is needed to put the data back byte for byte: whole rows/documents/values of what you
 *       delete, the previous values of what you mask, with enough of the record's identity (primary key,
 *       document id, object key) to find it again.</li>
 *   <li>A re-run may keep images again (of what it still finds); {@link ErasureStore#restore} gets all of them.</li>
 * </ul>
 */
public interface RestorationLog {

    /** Whether images are kept at all. */
    boolean enabled();

    /** Keeps the images durably, sealed; returns when they are. No-op when not {@link #enabled()}. */
    void keep(List<BeforeImage> images);

    /** Seals bytes a store keeps itself (e.g. in a restoration bucket) under the request's restoration key. */
    byte[] seal(UUID requestId, byte[] plain);

    /**
     * Opens what {@link #seal} returned.
     *
     * @throws StoreException when the restoration key is gone (the window ended) or the bytes do not open
     */
    byte[] open(UUID requestId, byte[] sealed);

    /** Keeps nothing: no key-encryption key, or the window is off. */
    RestorationLog OFF = new RestorationLog() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void keep(List<BeforeImage> images) {
        }

        @Override
        public byte[] seal(UUID requestId, byte[] plain) {
            throw new IllegalStateException("the restoration log is off: nothing may be kept");
        }

        @Override
        public byte[] open(UUID requestId, byte[] sealed) {
            throw new IllegalStateException("the restoration log is off");
        }
    };
}
