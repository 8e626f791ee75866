package org.erasure.sink.runtime.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToLongFunction;

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

    /**
     * How large a store makes an image: the runtime writes each one as one Kafka record, sealed and base64-framed,
     * which must stay under the broker's default {@code message.max.bytes} (1 MiB).
     */
    public static final int MAX_BYTES = 200 * 1024;

    public BeforeImage {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(content, "content");
    }

    /**
     * One request's entries for one target as images of at most about {@link #MAX_BYTES} each, in order. An entry is
     * never split: one larger than the bound makes an image of its own. No entries, no image.
     *
     * @param size   an entry's (estimated) size in the encoded content
     * @param encode the content of one image from its entries
     */
    public static <T> List<BeforeImage> inParts(UUID requestId, String target, List<T> entries, ToLongFunction<T> size,
                                                Function<List<T>, byte[]> encode) {
        List<BeforeImage> out = new ArrayList<>();
        List<T> part = new ArrayList<>();
        long bytes = 0;
        for (T e : entries) {
            long n = size.applyAsLong(e);
            if (!part.isEmpty() && bytes + n > MAX_BYTES) {
                out.add(new BeforeImage(requestId, target, encode.apply(part)));
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(e);
            bytes += n;
        }
        if (!part.isEmpty()) {
            out.add(new BeforeImage(requestId, target, encode.apply(part)));
        }
        return out;
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
