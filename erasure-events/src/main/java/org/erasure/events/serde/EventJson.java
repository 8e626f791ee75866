package org.erasure.events.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.Temporal;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.erasure.events.EventFormatException;
import org.erasure.events.InvalidEventException;
import org.erasure.events.Phase;
import org.erasure.events.SchemaVersion;

/**
 * The one JSON configuration for events, and the translation of every read failure into an
 * {@link EventFormatException} that names the field but never quotes the input.
 *
 * <p>Configuration and why:
 * <ul>
 *   <li>instants as ISO-8601 UTC strings ({@code 2026-01-02T03:04:05.123Z}), not numbers;</li>
 *   <li>unknown properties ignored (forward compatibility: additive changes keep the version);</li>
 *   <li>null fields omitted on write;</li>
 *   <li>strict types on read, matching the JSON Schemas: no string-to-number, number-to-string or
 *       number-to-enum coercion, no floats for integers, duplicate keys and trailing garbage rejected.</li>
 * </ul>
 */
public final class EventJson {
    private static final ObjectMapper MAPPER = newMapper();
    private static final Pattern MISSING_CREATOR_PROPERTY = Pattern.compile("Missing required creator property '([A-Za-z0-9_]+)'");
    private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9_]{1,64}");

    private EventJson() {}

    /**
     * A new, independently configurable mapper with the event configuration. Prefer
     * {@link #write}/{@link #read}; the shared instance is not exposed so nobody reconfigures it.
     */
    public static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                // Registered after JavaTimeModule, so it takes precedence for Instant.
                .addModule(new SimpleModule("strict-instant").addDeserializer(Instant.class, new StrictInstantDeserializer()))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // A number where the schema says string (e.g. "contributorId": 42) is refused, not read as
                // its text: a producer that writes ids as numbers may already have rounded them (JavaScript
                // doubles), and the rounded id is somebody else's.
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                .build();
    }

    /** Serialises an event to UTF-8 JSON. */
    public static byte[] write(Object event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            // Our own records: cannot contain raw input worth hiding, but keep the message generic anyway.
            throw new SerializationException("could not serialise " + event.getClass().getSimpleName());
        }
    }

    public static String writeString(Object event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new SerializationException("could not serialise " + event.getClass().getSimpleName());
        }
    }

    /** The event as a JSON tree (used for canonical JSON). */
    public static JsonNode toTree(Object event) {
        return MAPPER.valueToTree(event);
    }

    /**
     * Reads an event. Checks {@code schemaVersion} first, so a future version is reported as such
     * rather than as whatever field it happened to change.
     *
     * @throws EventFormatException on any problem; the message names the field, never the value
     */
    public static <T> T read(byte[] json, Class<T> type) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            throw translate(e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new EventFormatException(EventFormatException.PAYLOAD, "empty");
        }
        if (!tree.isObject()) {
            throw new EventFormatException(EventFormatException.PAYLOAD, "expected a JSON object");
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || version.isNull()) {
            throw new EventFormatException("schemaVersion", "missing");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new EventFormatException("schemaVersion", "wrong type (expected integer)");
        }
        if (!SchemaVersion.isSupported(version.intValue())) {
            throw new EventFormatException("schemaVersion", "not supported",
                    SchemaVersion.unsupportedMessage(version.intValue()));
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (IOException | IllegalArgumentException e) {
            throw translate(e);
        }
    }

    /** Maps a Jackson (or constructor) failure to a PII-free {@link EventFormatException}. */
    static EventFormatException translate(Throwable e) {
        if (e instanceof EventFormatException efe) {
            return efe;
        }
        if (e instanceof InvalidEventException ie) {
            return new EventFormatException(ie.field(), ie.problem(), messageFor(ie.field(), ie));
        }
        if (e instanceof ValueInstantiationException vie) {
            String at = path(vie);
            if (vie.getCause() instanceof InvalidEventException ie) {
                // A phase name is a value, not an object: the path already names it (systems[1], phases.?).
                String field = vie.getType() != null && vie.getType().hasRawClass(Phase.class) && !at.isEmpty()
                        ? at : join(at, ie.field());
                return new EventFormatException(field, ie.problem(), messageFor(field, ie));
            }
            return new EventFormatException(orPayload(at), "invalid value");
        }
        if (e instanceof InvalidFormatException ife) {
            return new EventFormatException(orPayload(path(ife)), badValue(ife.getTargetType()));
        }
        if (e instanceof MismatchedInputException mie) {
            String at = path(mie);
            String original = mie.getOriginalMessage();
            Matcher m = original == null ? null : MISSING_CREATOR_PROPERTY.matcher(original);
            if (m != null && m.find()) {
                // Jackson's path may or may not already end with the property.
                String name = m.group(1);
                String field = at.equals(name) || at.endsWith("." + name) ? at : join(at, name);
                return new EventFormatException(field, "missing");
            }
            return new EventFormatException(orPayload(at), "wrong type (expected " + describe(mie.getTargetType()) + ")");
        }
        if (e instanceof JsonMappingException jme) {
            return new EventFormatException(orPayload(path(jme)), "invalid value");
        }
        if (e instanceof StreamReadException sre) {
            // Includes number overflow while binding (InputCoercionException): locate via the parser.
            if (sre.getProcessor() instanceof JsonParser p && p.getParsingContext() != null
                    && p.getParsingContext().getCurrentName() != null && !(e instanceof com.fasterxml.jackson.core.JsonParseException)) {
                return new EventFormatException(safeSegment(p.getParsingContext().getCurrentName()), "number out of range");
            }
            String problem = sre.getOriginalMessage() != null && sre.getOriginalMessage().startsWith("Duplicate field")
                    ? "not valid JSON: duplicate field" : "not valid JSON";
            return new EventFormatException(EventFormatException.PAYLOAD, problem + location(sre.getLocation()));
        }
        if (e instanceof IllegalArgumentException iae && iae.getCause() != null) {
            return translate(iae.getCause());
        }
        return new EventFormatException(EventFormatException.PAYLOAD, "unreadable (" + e.getClass().getSimpleName() + ")");
    }

    private static String messageFor(String field, InvalidEventException ie) {
        // The unsupported-version message has its own documented wording.
        if ("schemaVersion".equals(ie.field()) && ie.getMessage().startsWith("schemaVersion ")) {
            return ie.getMessage();
        }
        return "field '" + field + "': " + ie.problem();
    }

    private static String location(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 0) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /** {@code identifiers.emails[1]}; segments that are not plain names are masked (they might be input). */
    static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(safeSegment(ref.getFieldName()));
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String safeSegment(String name) {
        return SAFE_SEGMENT.matcher(name).matches() ? name : "?";
    }

    private static String join(String prefix, String field) {
        if (prefix.isEmpty()) return field;
        if (field.isEmpty()) return prefix;
        return field.startsWith("[") ? prefix + field : prefix + "." + field;
    }

    private static String orPayload(String path) {
        return path.isEmpty() ? EventFormatException.PAYLOAD : path;
    }

    private static String badValue(Class<?> type) {
        if (type != null && type.isEnum()) {
            return "unknown value (expected one of: " + Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name()).collect(Collectors.joining(", ")) + ")";
        }
        if (type == UUID.class || type == Instant.class) {
            return "invalid value (expected " + describe(type) + ")";
        }
        return "wrong type (expected " + describe(type) + ")";
    }

    private static String describe(Class<?> type) {
        if (type == null) return "another type";
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) return "integer";
        if (type == boolean.class || type == Boolean.class) return "boolean";
        if (type == String.class || type == Phase.class) return "string";
        if (type == UUID.class) return "UUID string";
        if (type == Instant.class || Temporal.class.isAssignableFrom(type)) return "ISO-8601 UTC timestamp string";
        if (type.isEnum()) return "string";
        if (Collection.class.isAssignableFrom(type) || type.isArray() || type == List.class) return "array";
        if (Map.class.isAssignableFrom(type) || type.isRecord()) return "object";
        return "another type";
    }
}
