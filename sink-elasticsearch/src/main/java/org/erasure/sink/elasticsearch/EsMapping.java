package org.erasure.sink.elasticsearch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code elasticsearch.targets} mapping: index patterns and the person-holding groups inside their documents. */
record EsMapping(List<Target> targets) {

    /** Which request identifiers a field holds. */
    enum Kind {
        EMAIL, WORKER_ID;

        static Kind parse(String s, String where) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "email" -> EMAIL;
                case "worker-id", "worker_id", "workerid" -> WORKER_ID;
                default -> throw new IllegalArgumentException(where + ": kind must be email or worker-id, was '" + s + "'");
            };
        }
    }

    /**
     * One object (or array of objects) holding one person per element.
     *
     * @param path   dotted path from the document root
     * @param fields field name (relative to the element) → kind, in config order
     */
    record Group(String path, Map<String, Kind> fields) {
        List<String> segments() {
            return List.of(path.split("\\."));
        }

        String topLevel() {
            return segments().getFirst();
        }

        String fieldPath(String field) {
            return path + "." + field;
        }
    }

    record Target(String index, boolean expungeDeletes, List<Group> groups) {
        /** Full field paths per kind (e.g. EMAIL → latest.workerEmail, judgments.workerEmail). */
        Map<Kind, List<String>> fieldsByKind() {
            Map<Kind, List<String>> m = new LinkedHashMap<>();
            for (Group g : groups) {
                g.fields().forEach((f, k) -> m.computeIfAbsent(k, x -> new ArrayList<>()).add(g.fieldPath(f)));
            }
            return m;
        }

        List<String> allFields() {
            return fieldsByKind().values().stream().flatMap(List::stream).toList();
        }

        /** Top-level source keys to fetch (each group's first segment). */
        List<String> sourceKeys() {
            Set<String> keys = new LinkedHashSet<>();
            groups.forEach(g -> keys.add(g.topLevel()));
            return List.copyOf(keys);
        }
    }

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_@\\-]+");
    private static final Pattern INDEX = Pattern.compile("[a-z0-9_\\-.*+]+");

    static EsMapping parse(Config config) {
        List<? extends Config> list;
        try {
            list = config.getConfigList("targets");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("elasticsearch.targets must be a list of objects: " + e.getMessage());
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("elasticsearch.targets is empty");
        }
        List<Target> targets = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Config t = list.get(i);
            String where = "elasticsearch.targets[" + i + "]";
            String index = t.getString("index").strip();
            if (!INDEX.matcher(index).matches() || index.startsWith("-") || index.startsWith("_") || index.startsWith("+")) {
                throw new IllegalArgumentException(where + ".index '" + index
                        + "' is not a valid index name or pattern (lower case, no comma, not starting with -, _ or +)");
            }
            if (!seen.add(index)) {
                throw new IllegalArgumentException(where + ".index '" + index + "' is listed twice");
            }
            boolean expunge = t.hasPath("expunge-deletes") && t.getBoolean("expunge-deletes");
            List<Group> groups = new ArrayList<>();
            List<? extends Config> gl = t.getConfigList("groups");
            if (gl.isEmpty()) {
                throw new IllegalArgumentException(where + ".groups is empty");
            }
            for (int j = 0; j < gl.size(); j++) {
                Config g = gl.get(j);
                String gw = where + ".groups[" + j + "]";
                String path = g.getString("path").strip();
                for (String seg : path.split("\\.", -1)) {
                    if (!SEGMENT.matcher(seg).matches()) {
                        throw new IllegalArgumentException(gw + ".path '" + path + "' is not a dotted field path");
                    }
                }
                Map<String, Kind> fields = new LinkedHashMap<>();
                for (Map.Entry<String, ConfigValue> e : g.getObject("fields").entrySet()) {
                    String field = e.getKey();
                    if (!SEGMENT.matcher(field).matches()) {
                        throw new IllegalArgumentException(gw + ".fields: '" + field + "' is not a field name (no dots: put the object in path)");
                    }
                    fields.put(field, Kind.parse(String.valueOf(e.getValue().unwrapped()), gw + ".fields." + field));
                }
                if (fields.isEmpty()) {
                    throw new IllegalArgumentException(gw + ".fields is empty");
                }
                groups.add(new Group(path, fields));
            }
            targets.add(new Target(index, expunge, List.copyOf(groups)));
        }
        return new EsMapping(List.copyOf(targets));
    }
}
