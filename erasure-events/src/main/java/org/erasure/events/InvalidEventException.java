package org.erasure.events;

/**
 * An event (or value object) was constructed with an invalid field. Thrown by the records' compact
 * constructors and builders, so an invalid event cannot exist in memory.
 *
 * <p>The message names the field and the problem, never the offending value (it may be an email).
 */
public class InvalidEventException extends IllegalArgumentException {
    private final String field;
    private final String problem;

    public InvalidEventException(String field, String problem) {
        this(field, problem, "field '" + field + "': " + problem);
    }

    InvalidEventException(String field, String problem, String message) {
        super(message);
        this.field = field;
        this.problem = problem;
    }

    static InvalidEventException unsupportedVersion(int version) {
        return new InvalidEventException("schemaVersion", "not supported", SchemaVersion.unsupportedMessage(version));
    }

    /** Path of the offending field relative to the object that rejected it, e.g. {@code emails[1]}. */
    public String field() {
        return field;
    }

    /** The problem, without the value, e.g. {@code missing}, {@code must not be blank}. */
    public String problem() {
        return problem;
    }
}
