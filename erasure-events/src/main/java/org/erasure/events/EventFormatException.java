package org.erasure.events;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record read from Kafka is not a valid event: not JSON, a missing or mistyped field, an unknown
 * enum value, an unsupported {@code schemaVersion}. Consumers catch it and route the record to the
 * dead-letter topic (see {@link DeadLetterHeaders}).
 *
 * <p>Extends Kafka's {@link SerializationException} so it surfaces the way Kafka consumers and Kafka
 * Streams deserialization handlers expect. The message names the field and the problem and never
 * contains input values (they may be emails); the underlying Jackson exception is deliberately not
 * attached as the cause, because its message quotes the input.
 */
public class EventFormatException extends SerializationException {
    /** {@link #field()} value when the problem concerns the whole payload rather than one field. */
    public static final String PAYLOAD = "$";

    private final String field;
    private final String problem;

    public EventFormatException(String field, String problem) {
        this(field, problem, PAYLOAD.equals(field) ? "payload: " + problem : "field '" + field + "': " + problem);
    }

    public EventFormatException(String field, String problem, String message) {
        super(message);
        this.field = field;
        this.problem = problem;
    }

    /**
     * The offending field as a path ({@code requestId}, {@code identifiers.emails[1]},
     * {@code targets[0].residual}), or {@value #PAYLOAD} for the whole payload. Safe for headers.
     */
    public String field() {
        return field;
    }

    /** The problem without any input value, e.g. {@code missing}, {@code unknown value ...}. */
    public String problem() {
        return problem;
    }
}
