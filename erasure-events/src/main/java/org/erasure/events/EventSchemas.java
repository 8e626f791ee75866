package org.erasure.events;

import java.io.InputStream;
import java.util.Map;

/** Classpath locations of the JSON Schemas (draft 2020-12) describing what this library writes. */
public final class EventSchemas {
    public static final String REQUESTED_V1 = "/schemas/contributor-erasure-requested.v1.schema.json";
    public static final String PHASE_COMPLETED_V1 = "/schemas/phase-completed.v1.schema.json";
    public static final String ERASURE_COMPLETED_V1 = "/schemas/erasure-completed.v1.schema.json";

    private static final Map<Class<?>, String> BY_TYPE = Map.of(
            ContributorErasureRequested.class, REQUESTED_V1,
            PhaseCompleted.class, PHASE_COMPLETED_V1,
            ErasureCompleted.class, ERASURE_COMPLETED_V1);

    private EventSchemas() {}

    /** Classpath resource path of the current schema for an event type. */
    public static String resourceFor(Class<?> eventType) {
        String path = BY_TYPE.get(eventType);
        if (path == null) {
            throw new IllegalArgumentException("not an event type: " + eventType.getName());
        }
        return path;
    }

    /** Opens the schema from the classpath; the caller closes the stream. */
    public static InputStream open(Class<?> eventType) {
        InputStream in = EventSchemas.class.getResourceAsStream(resourceFor(eventType));
        if (in == null) {
            throw new IllegalStateException("schema resource missing: " + resourceFor(eventType));
        }
        return in;
    }
}
