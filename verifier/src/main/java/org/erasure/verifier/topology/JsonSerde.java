package org.erasure.verifier.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.erasure.events.serde.EventJson;

/**
 * JSON serde for the verifier's own internal types (state, repartitioned request summaries,
 * lineage messages), with the event module's JSON configuration (ISO instants, nulls omitted).
 * Error messages never quote the payload.
 */
public final class JsonSerde<T> implements Serde<T> {
    private static final ObjectMapper MAPPER = EventJson.newMapper();

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName());
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return MAPPER.readValue(data, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " (" + e.getClass().getSimpleName() + ")");
            }
        };
    }
}
