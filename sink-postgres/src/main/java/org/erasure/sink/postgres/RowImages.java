package org.erasure.sink.postgres;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * The before-images of one erase call, per request and table, in this module's encoding: a JSON object with one
 * array, {@code {"delete":[...]}} or {@code {"mask":[...]}}, whose elements PostgreSQL built itself
 * ({@code jsonb::text}, so numbers, timestamps and bytea keep their exact text). Delete elements are
 * {@code [ctid, to_jsonb(row)]} (the ctid tells a re-run's duplicate from a second identical row), mask elements
 * {@code [key, previous values, mask values]}. A request's elements for a table are split into several images
 * so that none exceeds {@link #MAX_BYTES} (a single larger row makes one image of its own).
 */
final class RowImages {
    static final int MAX_BYTES = BeforeImage.MAX_BYTES;
    static final String DELETE = "delete";
    static final String MASK = "mask";

    private final Map<UUID, Map<String, Open>> open = new LinkedHashMap<>();
    private final List<BeforeImage> done = new ArrayList<>();

    /** What is being filled for one request and table. */
    private static final class Open {
        final String kind;
        final StringBuilder json = new StringBuilder();
        int bytes;

        Open(String kind) {
            this.kind = kind;
        }
    }

    /** Adds one element (JSON text) for the item's row in {@code target}. */
    void add(ErasureItem item, String target, String kind, String element) {
        int size = element.getBytes(StandardCharsets.UTF_8).length + 1;
        Map<String, Open> byTarget = open.computeIfAbsent(item.requestId(), k -> new LinkedHashMap<>());
        Open o = byTarget.get(target);
        if (o != null && o.bytes + size > MAX_BYTES) {
            done.add(close(item.requestId(), target, o));
            o = null;
        }
        if (o == null) {
            o = new Open(kind);
            byTarget.put(target, o);
        }
        o.json.append(o.json.isEmpty() ? "" : ",").append(element);
        o.bytes += size;
    }

    /** Everything added, every request's images in the order their tables were erased. */
    List<BeforeImage> images() {
        List<BeforeImage> all = new ArrayList<>(done);
        open.forEach((id, byTarget) -> byTarget.forEach((target, o) -> all.add(close(id, target, o))));
        return all;
    }

    private static BeforeImage close(UUID requestId, String target, Open o) {
        String content = "{\"" + o.kind + "\":[" + o.json + "]}";
        return new BeforeImage(requestId, target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** The kind of an image this module kept ({@link #DELETE} or {@link #MASK}); null if it is not one. */
    static String kind(String content) {
        for (String kind : List.of(DELETE, MASK)) {
            if (content.startsWith("{\"" + kind + "\":[")) {
                return kind;
            }
        }
        return null;
    }
}
