package org.erasure.sink.kafka;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.erasure.sink.runtime.spi.ErasureItem;

/** {@code kafka-topics { compacted, retained, read-timeout }}: which topics hold contributor data, and how it is keyed. */
record TopicsMapping(List<CompactedTopic> compacted, List<String> retained, Duration readTimeout) {
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z]+)}");
    private static final Set<String> KNOWN = Set.of("contributorId", "workerId", "email");

    /** A compacted topic and its key templates, e.g. {@code profile:{contributorId}}. */
    record CompactedTopic(String name, List<String> keyTemplates) {
        /** The item's keys in this topic: each template with each value of its placeholder. */
        List<String> keys(ErasureItem item) {
            Set<String> keys = new LinkedHashSet<>();
            for (String t : keyTemplates) {
                List<String> values = t.contains("{workerId}") ? item.identifiers().workerIds()
                        : t.contains("{email}") ? item.identifiers().emails() : List.of(item.contributorId());
                String placeholder = t.contains("{workerId}") ? "{workerId}" : t.contains("{email}") ? "{email}" : "{contributorId}";
                values.forEach(v -> keys.add(t.replace(placeholder, v)));
            }
            return List.copyOf(keys);
        }
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
            compacted.add(new CompactedTopic(name, List.copyOf(keys)));
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

    private static void checkTemplate(String topic, String template) {
        List<String> used = PLACEHOLDER.matcher(template).results().map(m -> m.group(1)).toList();
        if (used.size() != 1 || !KNOWN.contains(used.getFirst())) {
            throw new IllegalArgumentException("kafka-topics.compacted: key template '" + template + "' of " + topic
                    + " must hold exactly one of {contributorId}, {workerId}, {email}");
        }
    }
}
