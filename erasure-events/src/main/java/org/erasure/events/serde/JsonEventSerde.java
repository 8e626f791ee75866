package org.erasure.events.serde;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka (Streams) serde for one event type. Stateless and thread-safe. */
public final class JsonEventSerde<T> implements Serde<T> {
    private final JsonEventSerializer<T> serializer = new JsonEventSerializer<>();
    private final JsonEventDeserializer<T> deserializer;

    JsonEventSerde(Class<T> type) {
        this.deserializer = new JsonEventDeserializer<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
