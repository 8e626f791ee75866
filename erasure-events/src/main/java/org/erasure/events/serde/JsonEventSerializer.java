package org.erasure.events.serde;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer writing an event as UTF-8 JSON ({@link EventJson}). Null stays null (tombstone). */
public final class JsonEventSerializer<T> implements Serializer<T> {
    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : EventJson.write(data);
    }
}
