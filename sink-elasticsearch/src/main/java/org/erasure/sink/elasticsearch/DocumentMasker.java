package org.erasure.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erasure.events.Identifiers;
import org.erasure.sink.elasticsearch.EsMapping.Group;
import org.erasure.sink.elasticsearch.EsMapping.Kind;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * Masks one document's source in memory: every group element (the {@code latest} object, each
 * object of the {@code judgments} array) whose identifier fields hold a value of an EXECUTE request
 * gets all its listed fields set to the mask value; other elements are not touched. Worker ids are
 * compared exactly; emails by their normalised spelling ({@link Identifiers#normaliseEmail}: stripped,
 * lower-cased), so {@code " Alice@X.org "} in the document is the request's {@code alice@x.org}.
 * Values are never interpreted.
 */
final class DocumentMasker {

    /** The batch's identifier values per kind (emails normalised), each pointing at the requests that own it. */
    static final class Lookup {
        private final Map<Kind, Map<String, List<ErasureItem>>> byKind = new EnumMap<>(Kind.class);

        static Lookup of(List<ErasureItem> items, boolean contributorIdAsWorkerId, String maskValue) {
            Lookup l = new Lookup();
            for (ErasureItem item : items) {
                for (String value : values(item, Kind.EMAIL, contributorIdAsWorkerId)) {
                    l.add(Kind.EMAIL, value, item, maskValue);
                }
                for (String value : values(item, Kind.WORKER_ID, contributorIdAsWorkerId)) {
                    l.add(Kind.WORKER_ID, value, item, maskValue);
                }
            }
            return l;
        }

        /** The identifier values of one request for one kind (the contributorId counts as a worker id if configured). */
        static Set<String> values(ErasureItem item, Kind kind, boolean contributorIdAsWorkerId) {
            Set<String> out = new LinkedHashSet<>();
            if (kind == Kind.EMAIL) {
                item.identifiers().emails().forEach(e -> out.add(Identifiers.normaliseEmail(e)));
            } else {
                out.addAll(item.identifiers().workerIds());
                if (contributorIdAsWorkerId) {
                    out.add(item.contributorId().strip());
                }
            }
            out.removeIf(String::isEmpty);
            return out;
        }

        private void add(Kind kind, String value, ErasureItem item, String maskValue) {
            if (value.isEmpty() || value.equals(key(kind, maskValue))) {
                return; // the mask value itself is never an identifier: it would match every masked element
            }
            List<ErasureItem> owners = byKind.computeIfAbsent(kind, k -> new LinkedHashMap<>()).computeIfAbsent(value, v -> new ArrayList<>(1));
            if (!owners.contains(item)) {
                owners.add(item);
            }
        }

        /** The requests owning a stored value (an email is looked up by its normalised spelling). */
        List<ErasureItem> owners(Kind kind, String storedValue) {
            Map<String, List<ErasureItem>> m = byKind.get(kind);
            List<ErasureItem> owners = m == null ? null : m.get(key(kind, storedValue));
            return owners == null ? List.of() : owners;
        }

        /** How a value of this kind is compared: emails normalised, worker ids as they are. */
        static String key(Kind kind, String value) {
            return kind == Kind.EMAIL ? Identifiers.normaliseEmail(value) : value;
        }

        /** All values of a kind (for the batch's terms query). */
        List<String> values(Kind kind) {
            Map<String, List<ErasureItem>> m = byKind.get(kind);
            return m == null ? List.of() : List.copyOf(m.keySet());
        }

        boolean isEmpty() {
            return byKind.values().stream().allMatch(Map::isEmpty);
        }
    }

    /**
     * What masking one document did.
     *
     * @param partial    the changed top-level fields with their full new values (a partial-update doc),
     *                   null if nothing changed
     * @param masked     EXECUTE requests whose values were masked in this document
     * @param dryMatched DRY_RUN requests whose values this document holds (what EXECUTE would mask)
     * @param before     when capturing (the undo window): each masked element's previous values, else empty
     */
    record Outcome(ObjectNode partial, Set<ErasureItem> masked, Set<ErasureItem> dryMatched, List<Masked> before) {
        boolean changed() {
            return partial != null;
        }
    }

    private final List<Group> groups;
    private final String maskValue;

    DocumentMasker(List<Group> groups, String maskValue) {
        this.groups = List.copyOf(groups);
        this.maskValue = maskValue;
    }

    /**
     * One masked group element, for the undo window: where it is (a JSON pointer with array positions), a
     * fingerprint of its other fields (to recognise it at restore time), the previous values of the fields the
     * masking changed, and the EXECUTE requests it was masked for.
     */
    record Masked(String pointer, String fingerprint, ObjectNode previous, Set<ErasureItem> owners) {}

    /** Masks {@code source} in place (EXECUTE owners only) and reports who matched. */
    Outcome apply(ObjectNode source, Lookup lookup) {
        return apply(source, lookup, false);
    }

    /** As {@link #apply(ObjectNode, Lookup)}; with {@code capture}, also what each masked element held before. */
    Outcome apply(ObjectNode source, Lookup lookup, boolean capture) {
        Set<ErasureItem> masked = new LinkedHashSet<>();
        Set<ErasureItem> dry = new LinkedHashSet<>();
        Set<String> touched = new LinkedHashSet<>();
        List<Masked> before = capture ? new ArrayList<>() : List.of();
        for (Group g : groups) {
            List<String> pointers = capture ? new ArrayList<>() : null;
            List<ObjectNode> elements = elements(source, g.segments(), pointers);
            for (int e = 0; e < elements.size(); e++) {
                ObjectNode element = elements.get(e);
                Set<ErasureItem> owners = new LinkedHashSet<>();
                for (Map.Entry<String, Kind> f : g.fields().entrySet()) {
                    for (String v : texts(element.get(f.getKey()))) {
                        owners.addAll(lookup.owners(f.getValue(), v));
                    }
                }
                boolean execute = false;
                for (ErasureItem owner : owners) {
                    if (owner.dryRun()) {
                        dry.add(owner);
                    } else {
                        execute = true;
                    }
                }
                if (!execute) {
                    continue;
                }
                ObjectNode previous = capture ? JsonNodeFactory.instance.objectNode() : null;
                boolean changed = false;
                for (String field : g.fields().keySet()) {
                    JsonNode old = capture && element.get(field) != null ? element.get(field).deepCopy() : null;
                    if (maskField(element, field)) {
                        changed = true;
                        if (capture) {
                            previous.set(field, old);
                        }
                    }
                }
                if (changed) {
                    touched.add(g.topLevel());
                    Set<ErasureItem> executeOwners = new LinkedHashSet<>();
                    owners.stream().filter(o -> !o.dryRun()).forEach(executeOwners::add);
                    masked.addAll(executeOwners);
                    if (capture) {
                        // the element without the changed fields is the same before and after masking
                        String fingerprint = RestorationImages.fingerprint(element, RestorationImages.fieldNames(previous));
                        before.add(new Masked(pointers.get(e), fingerprint, previous, executeOwners));
                    }
                }
            }
        }
        if (touched.isEmpty()) {
            return new Outcome(null, Set.of(), dry, List.of());
        }
        ObjectNode partial = JsonNodeFactory.instance.objectNode();
        for (String key : touched) {
            partial.set(key, source.get(key));
        }
        return new Outcome(partial, masked, dry, before);
    }

    /** What {@link #maskField} makes of a value (a copy): a value, or each value of an array, set to the mask. */
    static JsonNode masked(JsonNode value, String maskValue) {
        if (value instanceof ArrayNode array) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(array.size());
            array.forEach(e -> out.add(isValue(e) ? JsonNodeFactory.instance.textNode(maskValue) : e.deepCopy()));
            return out;
        }
        return isValue(value) ? JsonNodeFactory.instance.textNode(maskValue) : value;
    }

    /** The requests (of the lookup) whose identifiers this document holds in any group element; nothing is changed. */
    Set<ErasureItem> holders(ObjectNode source, Lookup lookup) {
        Set<ErasureItem> holders = new LinkedHashSet<>();
        for (Group g : groups) {
            for (ObjectNode element : elements(source, g.segments())) {
                for (Map.Entry<String, Kind> f : g.fields().entrySet()) {
                    for (String v : texts(element.get(f.getKey()))) {
                        holders.addAll(lookup.owners(f.getValue(), v));
                    }
                }
            }
        }
        return holders;
    }

    private boolean maskField(ObjectNode element, String field) {
        JsonNode v = element.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (v instanceof ArrayNode array) {
            boolean changed = false;
            for (int i = 0; i < array.size(); i++) {
                JsonNode e = array.get(i);
                if (isValue(e) && !maskValue.equals(e.asText())) {
                    array.set(i, JsonNodeFactory.instance.textNode(maskValue));
                    changed = true;
                }
            }
            return changed;
        }
        if (isValue(v) && !maskValue.equals(v.asText())) {
            element.put(field, maskValue);
            return true;
        }
        return false;
    }

    private static boolean isValue(JsonNode n) {
        return n != null && (n.isTextual() || n.isIntegralNumber());
    }

    /** Keyword values of a field: a string, an integral number (indexed as its text), or an array of them. */
    private static List<String> texts(JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isArray()) {
            List<String> out = new ArrayList<>(v.size());
            v.forEach(e -> {
                if (isValue(e)) {
                    out.add(e.asText());
                }
            });
            return out;
        }
        return isValue(v) ? List.of(v.asText()) : List.of();
    }

    /** The objects at {@code path}, walking into arrays (of objects, or arrays of them) at every step. */
    static List<ObjectNode> elements(ObjectNode root, List<String> path) {
        return elements(root, path, null);
    }

    /**
     * As {@link #elements(ObjectNode, List)}; when {@code pointers} is not null, it receives each element's JSON
     * pointer (RFC 6901, with array positions, e.g. {@code /judgments/2}), in the same order.
     */
    static List<ObjectNode> elements(ObjectNode root, List<String> path, List<String> pointers) {
        List<JsonNode> current = List.of(root);
        List<String> at = pointers == null ? null : List.of("");
        for (String segment : path) {
            List<JsonNode> next = new ArrayList<>();
            List<String> nextAt = at == null ? null : new ArrayList<>();
            for (int i = 0; i < current.size(); i++) {
                if (current.get(i) instanceof ObjectNode o && o.get(segment) != null) {
                    flatten(o.get(segment), next, nextAt == null ? null : at.get(i) + "/" + escape(segment), nextAt);
                }
            }
            current = next;
            at = nextAt;
        }
        List<ObjectNode> out = new ArrayList<>(current.size());
        for (int i = 0; i < current.size(); i++) {
            if (current.get(i) instanceof ObjectNode o) {
                out.add(o);
                if (pointers != null) {
                    pointers.add(at.get(i));
                }
            }
        }
        return out;
    }

    private static void flatten(JsonNode n, List<JsonNode> into, String pointer, List<String> pointers) {
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(n.get(i), into, pointer == null ? null : pointer + "/" + i, pointers);
            }
        } else {
            into.add(n);
            if (pointers != null) {
                pointers.add(pointer);
            }
        }
    }

    private static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }
}
