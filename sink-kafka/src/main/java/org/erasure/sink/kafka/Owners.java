package org.erasure.sink.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.erasure.events.Identifiers;
import org.erasure.sink.kafka.TopicsMapping.CompactedTopic;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * Whose a record of a compacted topic is, for one batch: by its key (the topic's key templates),
 * else by a top-level field of its JSON value ({@code values}), so a request naming only an email
 * finds the profile keyed by a contributor id no store knows. A key or value two items share goes
 * to the first (counted once).
 */
final class Owners {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CompactedTopic topic;
    private final Map<String, ErasureItem> byKey = new HashMap<>();
    private final Map<String, Map<String, ErasureItem>> byField = new HashMap<>();

    Owners(CompactedTopic topic, List<ErasureItem> items) {
        this.topic = topic;
        for (ErasureItem item : items) {
            topic.keys(item).forEach(k -> byKey.putIfAbsent(k, item));
            topic.valueFields().forEach((field, template) -> TopicsMapping.values(template, item)
                    .forEach(v -> byField.computeIfAbsent(field, f -> new HashMap<>()).putIfAbsent(v, item)));
        }
    }

    ErasureItem of(String key, byte[] value) {
        ErasureItem owner = byKey.get(key);
        if (owner != null || byField.isEmpty()) {
            return owner;
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (IOException notJson) {
            return null; // a value we cannot read is matched by key only
        }
        for (Map.Entry<String, Map<String, ErasureItem>> field : byField.entrySet()) {
            JsonNode v = node == null ? null : node.get(field.getKey());
            if (v != null && v.isValueNode()) {
                boolean email = topic.valueFields().get(field.getKey()).equals("{email}");
                ErasureItem item = field.getValue().get(email ? Identifiers.normaliseEmail(v.asText()) : v.asText());
                if (item != null) {
                    return item;
                }
            }
        }
        return null;
    }
}
