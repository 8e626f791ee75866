package org.erasure.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A free-form subtree of Kafka client properties (e.g. {@code sink.kafka.client}) as the map a
 * consumer, producer, Admin client or Kafka Streams takes. Keys may be quoted
 * ({@code "security.protocol" = SSL}) or nested ({@code ssl { truststore.location = ... }}): both
 * give the dotted Kafka name. Values are strings (Kafka parses a string for every property type;
 * a HOCON number would arrive as Integer where Kafka wants a Long or Double); a list becomes the
 * comma-separated form Kafka reads for list properties.
 */
public final class KafkaClientProperties {

    private KafkaClientProperties() {}

    public static Map<String, Object> of(Config subtree) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : subtree.entrySet()) {
            properties.put(String.join(".", ConfigUtil.splitPath(e.getKey())), text(e.getValue()));
        }
        return properties;
    }

    /** {@link #of(Config)} of {@code config}'s subtree at {@code path} with {@code bootstrap.servers} set. */
    public static Map<String, Object> of(Config config, String path, String bootstrapServers) {
        Map<String, Object> properties = of(config.getConfig(path));
        properties.put("bootstrap.servers", bootstrapServers);
        return properties;
    }

    private static String text(ConfigValue value) {
        if (value.valueType() == ConfigValueType.LIST) {
            return ((List<?>) value.unwrapped()).stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return String.valueOf(value.unwrapped());
    }
}
