package org.erasure.sink.runtime.spi;

import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

/**
 * One piece of what a store is about to change for one request, kept for the undo window (see
 * {@link RestorationLog}). The content is the store's own encoding (rows as JSON, a Redis {@code DUMP}, an
 * object's key and version): the runtime only seals it under the request's restoration key, stores it, and
 * hands it back to {@link ErasureStore#restore}. It holds personal data: never log it ({@link #toString()}
 * shows the size only).
 *
 * @param requestId the request whose erasure changes this data
 * @param target    one of the store's {@link ErasureStore#targets()} (the count it restores is reported there)
 * @param content   the store's encoding of the data as it is before the change
 */
public record BeforeImage(UUID requestId, String target, byte[] content) {

    public BeforeImage {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(content, "content");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BeforeImage b && requestId.equals(b.requestId) && target.equals(b.target)
                && Arrays.equals(content, b.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, target, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "BeforeImage[requestId=" + requestId + ", target=" + target + ", " + content.length + " bytes]";
    }
}
