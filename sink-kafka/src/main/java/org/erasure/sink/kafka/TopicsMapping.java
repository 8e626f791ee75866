package org.erasure.sink.kafka;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.erasure.sink.runtime.spi.ErasureItem;

/** {@code kafka-topics { compacted, retained, read-timeout }}: which topics hold contributor data, and how it is keyed. */
record TopicsMapping(List<CompactedTopic> compacted, List<String> retained, Duration readTimeout) {
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z]+)}");
    private static final Set<String> KNOWN = Set.of("contributorId", "workerId", "email");

    /**
     * A compacted topic, its key templates (e.g. {@code profile:{contributorId}}) and the top-level
     * fields of its JSON values that name a subject (field -> {@code {email}}, {@code {contributorId}}
     * or {@code {workerId}}: the whole value, emails compared normalised).
     */
    record CompactedTopic(String name, List<String> keyTemplates, Map<String, String> valueFields) {
        /** The item's keys in this topic: each template with each value of its placeholder. */
        List<String> keys(ErasureItem item) {
            Set<String> keys = new LinkedHashSet<>();
            keyTemplates.forEach(t -> keys.addAll(values(t, item)));
            return List.copyOf(keys);
        }
    }

    /** The template with each of the item's values of its one placeholder. */
    static List<String> values(String template, ErasureItem item) {
        String placeholder = template.contains("{workerId}") ? "{workerId}" : template.contains("{email}") ? "{email}" : "{contributorId}";
        List<String> values = switch (placeholder) {
            case "{workerId}" -> item.identifiers().workerIds();
            case "{email}" -> item.identifiers().emails();
            default -> List.of(item.contributorId());
        };
        return values.stream().map(v -> template.replace(placeholder, v)).toList();
    }

    static TopicsMapping parse(Config c) {
        List<CompactedTopic> compacted = new ArrayList<>();
        for (Config t : c.getConfigList("compacted")) {
            String name = topic(t.getString("topic"), "compacted");
            List<String> keys = t.getStringList("keys");
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("kafka-topics.compacted: topic " + name + " has no key templates");
            }
            keys.forEach(k -> checkTemplate(name, k));
            Map<String, String> fields = new TreeMap<>();
            if (t.hasPath("values")) {
                t.getObject("values").unwrapped().forEach((field, template) -> fields.put(field, valueTemplate(name, field, template)));
            }
            compacted.add(new CompactedTopic(name, List.copyOf(keys), Map.copyOf(fields)));
        }
        List<String> retained = c.getStringList("retained").stream().map(t -> topic(t, "retained")).toList();
        List<String> all = Stream.concat(compacted.stream().map(CompactedTopic::name), retained.stream()).toList();
        if (all.size() != Set.copyOf(all).size()) {
            throw new IllegalArgumentException("kafka-topics: a topic is listed twice in compacted/retained: " + all);
        }
        Duration timeout = c.getDuration("read-timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("kafka-topics.read-timeout must be positive");
        }
        return new TopicsMapping(List.copyOf(compacted), retained, timeout);
    }

    List<String> targets() {
        return Stream.concat(compacted.stream().map(CompactedTopic::name), retained.stream()).toList();
    }

    private static String topic(String name, String list) {
        if (!TOPIC.matcher(name).matches()) {
            throw new IllegalArgumentException("kafka-topics." + list + ": '" + name + "' is not a valid topic name");
        }
        return name;
    }

    private static String valueTemplate(String topic, String field, Object template) {
        if (!(template instanceof String s) || !Set.of("{contributorId}", "{workerId}", "{email}").contains(s)) {
            throw new IllegalArgumentException("kafka-topics.compacted: values." + field + " of " + topic
                    + " must be one of \"{contributorId}\", \"{workerId}\", \"{email}\" (the whole field value)");
        }
        return s;
    }

    private static void checkTemplate(String topic, String template) {
        List<String> used = PLACEHOLDER.matcher(template).results().map(m -> m.group(1)).toList();
        if (used.size() != 1 || !KNOWN.contains(used.getFirst())) {
            throw new IllegalArgumentException("kafka-topics.compacted: key template '" + template + "' of " + topic
                    + " must hold exactly one of {contributorId}, {workerId}, {email}");
        }
    }
}
