package org.erasure.events.serde;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Reads instants only from RFC 3339 / ISO-8601 strings (an offset other than Z is converted to
 * UTC). The stock deserializer also accepts numbers as epoch seconds, which the JSON Schemas do not
 * allow and which silently turns a millisecond timestamp into a date in the year 50000.
 */
final class StrictInstantDeserializer extends StdScalarDeserializer<Instant> {
    StrictInstantDeserializer() {
        super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
        }
        String text = p.getText().trim();
        try {
            return DateTimeFormatter.ISO_INSTANT.parse(text, Instant::from);
        } catch (DateTimeException e) {
            return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
        }
    }
}
