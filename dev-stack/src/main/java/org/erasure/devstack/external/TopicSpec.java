package org.erasure.devstack.external;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One topic for {@code stack-tool init}: {@code NAME:PARTITIONS} or {@code NAME:PARTITIONS:key=value,key=value}
 * (topic-level configs such as {@code retention.ms=-1} or {@code cleanup.policy=compact}).
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public TopicSpec {
        configs = Map.copyOf(configs);
    }

    public static TopicSpec parse(String text) {
        String[] parts = text.split(":", 3);
        if (parts.length < 2 || !NAME.matcher(parts[0]).matches()) {
            throw new IllegalArgumentException("topic '" + text + "': expected NAME:PARTITIONS[:key=value,...]");
        }
        int partitions;
        try {
            partitions = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topic " + parts[0] + ": partitions '" + parts[1] + "' is not a number");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + parts[0] + ": partitions must be at least 1");
        }
        Map<String, String> configs = new LinkedHashMap<>();
        if (parts.length == 3 && !parts[2].isBlank()) {
            for (String pair : parts[2].split(",")) {
                int eq = pair.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("topic " + parts[0] + ": config '" + pair + "' is not key=value");
                }
                configs.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        }
        return new TopicSpec(parts[0], partitions, configs);
    }
}
