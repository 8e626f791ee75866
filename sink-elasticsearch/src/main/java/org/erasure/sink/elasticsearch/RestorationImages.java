package org.erasure.sink.elasticsearch;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.erasure.sink.elasticsearch.DocumentMasker.Masked;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.StoreException;

/**
 * The undo window's before-images of masked documents, and how they are put back.
 *
 * <p>A document may hold several people (a {@code judgments} array), so an image never holds a whole
 * {@code _source}: restoring one would un-mask another erased contributor. It holds, per document of one request,
 * each masked element's JSON pointer (with array positions), a fingerprint of the element's other fields and the
 * previous values of the fields the masking changed. Content (JSON, compact keys):
 * {@code {"v":1,"m":mask,"d":[{"i":index,"id":id,"r":routing,"t":primaryTerm,"s":seqNo,"e":[{"p":pointer,"h":fingerprint,"f":{field:previous}}]}]}},
 * split so that no image exceeds {@link #MAX_IMAGE_BYTES}.
 *
 * <p>Restore rule: an element is put back only where the pointer still leads to an element with the same
 * fingerprint (the same element: not a neighbour shifted into its position) or, if the array changed since, where
 * exactly one element of the array has it; and each field only where it still holds exactly what the masking made
 * of it. Anything written since is left as it is.
 */
final class RestorationImages {
    static final int MAX_IMAGE_BYTES = BeforeImage.MAX_BYTES;
    /** Exact numbers, as the store's client reads sources: fingerprints and values compare as read. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private RestorationImages() {}

    /**
     * A hash of the element without {@code fields}: recognises the element at restore time (not personal data in
     * clear). Keys are sorted first: a partial update makes Elasticsearch rebuild the {@code _source}, which may
     * reorder an object's keys.
     */
    static String fingerprint(ObjectNode element, Set<String> fields) {
        ObjectNode rest = element.deepCopy();
        rest.remove(fields);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(sorted(rest)));
            return Base64.getEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint an element", e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (n instanceof ObjectNode o) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            TreeMap<String, JsonNode> byKey = new TreeMap<>();
            o.properties().forEach(e -> byKey.put(e.getKey(), e.getValue()));
            byKey.forEach((k, v) -> out.set(k, sorted(v)));
            return out;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(a.size());
            a.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return n;
    }

    static Set<String> fieldNames(ObjectNode o) {
        Set<String> names = new LinkedHashSet<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ------------------------------------------------------------------ erase side

    /** Collects the masked elements of the documents one bulk is about to write, per request. */
    static final class Builder {
        private final String target;
        private final String maskValue;
        private final Map<UUID, Map<String, ObjectNode>> docs = new LinkedHashMap<>(); // requestId -> index/id -> doc

        Builder(String target, String maskValue) {
            this.target = target;
            this.maskValue = maskValue;
        }

        void add(String index, String id, String routing, Long primaryTerm, Long seqNo, List<Masked> before) {
            for (Masked m : before) {
                for (ErasureItem owner : m.owners()) {
                    ObjectNode doc = docs.computeIfAbsent(owner.requestId(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(index + "\u0000" + id, k -> doc(index, id, routing, primaryTerm, seqNo));
                    ObjectNode e = doc.withArray("e").addObject();
                    e.put("p", m.pointer()).put("h", m.fingerprint()).set("f", m.previous());
                }
            }
        }

        private static ObjectNode doc(String index, String id, String routing, Long primaryTerm, Long seqNo) {
            ObjectNode d = JsonNodeFactory.instance.objectNode().put("i", index).put("id", id);
            if (routing != null) {
                d.put("r", routing);
            }
            return d.put("t", primaryTerm == null ? 0 : primaryTerm).put("s", seqNo == null ? 0 : seqNo);
        }

        boolean isEmpty() {
            return docs.isEmpty();
        }

        /** One image per request, or several when its documents would exceed {@link #MAX_IMAGE_BYTES}. */
        List<BeforeImage> images() {
            List<BeforeImage> out = new ArrayList<>();
            docs.forEach((requestId, byDoc) -> out.addAll(BeforeImage.inParts(requestId, target, List.copyOf(byDoc.values()),
                    d -> bytes(d).length + 1, this::content)));
            return out;
        }

        private byte[] content(List<ObjectNode> chunk) {
            ObjectNode content = JsonNodeFactory.instance.objectNode().put("v", 1).put("m", maskValue);
            content.set("d", JsonNodeFactory.instance.arrayNode().addAll(chunk));
            return bytes(content);
        }
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a before-image", e);
        }
    }

    // ------------------------------------------------------------------ restore side

    /** One masked element to put back. */
    record Element(String pointer, String fingerprint, ObjectNode previous, String maskValue) {}

    /** One document to restore: its elements, newest kept version first per pointer. */
    record Doc(String index, String id, String routing, List<Element> elements) {
        /** Top-level source keys holding the elements. */
        Set<String> topLevelKeys() {
            Set<String> keys = new LinkedHashSet<>();
            elements.forEach(e -> keys.add(topLevel(e.pointer())));
            return keys;
        }
    }

    /**
     * The documents of a request's images for one target. A document kept more than once (a write re-done after a
     * version conflict, or a re-run) is restored from its newest read (primary term, seq_no): per pointer, the
     * newest element wins.
     */
    static List<Doc> docs(List<BeforeImage> images) {
        record Version(long term, long seq, String mask, JsonNode doc) {}
        Map<String, List<Version>> versions = new LinkedHashMap<>();
        for (BeforeImage image : images) {
            JsonNode content;
            try {
                content = JSON.readTree(image.content());
            } catch (IOException e) {
                throw new StoreException("ES_RESTORE_UNREADABLE", "a before-image of target " + image.target() + " is not readable");
            }
            if (content == null || content.path("v").asInt() != 1 || !content.path("d").isArray()) {
                throw new StoreException("ES_RESTORE_UNREADABLE", "a before-image of target " + image.target() + " has an unknown format");
            }
            String mask = content.path("m").asText();
            for (JsonNode d : content.get("d")) {
                versions.computeIfAbsent(d.path("i").asText() + "\u0000" + d.path("id").asText(), k -> new ArrayList<>())
                        .add(new Version(d.path("t").asLong(), d.path("s").asLong(), mask, d));
            }
        }
        List<Doc> out = new ArrayList<>(versions.size());
        for (List<Version> vs : versions.values()) {
            vs.sort(Comparator.comparingLong(Version::term).thenComparingLong(Version::seq).reversed());
            Set<String> seen = new HashSet<>();
            List<Element> elements = new ArrayList<>();
            for (Version v : vs) {
                for (JsonNode e : v.doc().path("e")) {
                    if (seen.add(e.path("p").asText()) && e.get("f") instanceof ObjectNode previous) {
                        elements.add(new Element(e.path("p").asText(), e.path("h").asText(), previous, v.mask()));
                    }
                }
            }
            JsonNode first = vs.getFirst().doc();
            out.add(new Doc(first.path("i").asText(), first.path("id").asText(),
                    first.hasNonNull("r") ? first.get("r").asText() : null, elements));
        }
        return out;
    }

    /**
     * Puts the document's elements back into {@code source} (in place) where they are still as the masking left
     * them; returns the partial-update doc (the changed top-level fields, whole), or null if nothing is put back.
     */
    static ObjectNode restore(ObjectNode source, Doc doc) {
        Set<String> touched = new LinkedHashSet<>();
        for (Element e : doc.elements()) {
            ObjectNode current = locate(source, e);
            if (current == null) {
                continue; // gone, or changed since (other fields than the masked ones): not ours to touch
            }
            for (Map.Entry<String, JsonNode> f : e.previous().properties()) {
                JsonNode now = current.get(f.getKey());
                if (now != null && now.equals(DocumentMasker.masked(f.getValue(), e.maskValue()))) {
                    current.set(f.getKey(), f.getValue().deepCopy());
                    touched.add(topLevel(e.pointer()));
                }
            }
        }
        if (touched.isEmpty()) {
            return null;
        }
        ObjectNode partial = JsonNodeFactory.instance.objectNode();
        touched.forEach(k -> partial.set(k, source.get(k)));
        return partial;
    }

    /**
     * The element the masking changed: at its pointer if the element there has its fingerprint; else, when the
     * pointer is an array position (elements removed or inserted since), the one element of that array with its
     * fingerprint that still holds the mask in a masked field. Null when there is none or more than one.
     */
    private static ObjectNode locate(ObjectNode source, Element e) {
        Set<String> fields = fieldNames(e.previous());
        if (source.at(JsonPointer.compile(e.pointer())) instanceof ObjectNode at && fingerprint(at, fields).equals(e.fingerprint())) {
            return at;
        }
        int slash = e.pointer().lastIndexOf('/');
        if (slash < 0 || !(source.at(JsonPointer.compile(e.pointer().substring(0, slash))) instanceof ArrayNode array)) {
            return null;
        }
        ObjectNode found = null;
        for (JsonNode n : array) {
            if (n instanceof ObjectNode o && fingerprint(o, fields).equals(e.fingerprint()) && holdsMask(o, e)) {
                if (found != null) {
                    return null; // two alike: cannot tell which one was this request's
                }
                found = o;
            }
        }
        return found;
    }

    private static boolean holdsMask(ObjectNode o, Element e) {
        for (Map.Entry<String, JsonNode> f : e.previous().properties()) {
            if (DocumentMasker.masked(f.getValue(), e.maskValue()).equals(o.get(f.getKey()))) {
                return true;
            }
        }
        return false;
    }

    private static String topLevel(String pointer) {
        int end = pointer.indexOf('/', 1);
        String segment = end < 0 ? pointer.substring(1) : pointer.substring(1, end);
        return segment.replace("~1", "/").replace("~0", "~");
    }
}
