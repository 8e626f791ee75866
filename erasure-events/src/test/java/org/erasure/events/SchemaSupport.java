package org.erasure.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/** Loads the module's JSON Schemas with format assertions on (2020-12 treats format as annotation by default). */
final class SchemaSupport {
    static final ObjectMapper PLAIN = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

    private SchemaSupport() {}

    static JsonSchema schema(Class<?> type) {
        try (InputStream in = EventSchemas.open(type)) {
            return FACTORY.getSchema(in, CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode schemaJson(Class<?> type) {
        try (InputStream in = EventSchemas.open(type)) {
            return PLAIN.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<ValidationMessage> validate(Class<?> type, String json) {
        try {
            return schema(type).validate(PLAIN.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
