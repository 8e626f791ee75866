package org.erasure.events.serde;

import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.erasure.events.EventFormatException;

/**
 * Kafka deserializer for one event type. Null (a tombstone) stays null; anything else that is not
 * a valid event throws {@link EventFormatException} (a Kafka {@code SerializationException}).
 */
public final class JsonEventDeserializer<T> implements Deserializer<T> {
    private final Class<T> type;

    public JsonEventDeserializer(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** @throws EventFormatException naming the offending field, without input values */
    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : EventJson.read(data, type);
    }

    public Class<T> type() {
        return type;
    }
}
