package org.erasure.events.serde;

import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.PhaseCompleted;

/**
 * Serdes for the three events. Pass the serializer/deserializer instances to the Kafka client
 * constructors, or the serde to Kafka Streams ({@code Consumed.with(Serdes.String(), EventSerdes.requested())}).
 */
public final class EventSerdes {
    private static final JsonEventSerde<ContributorErasureRequested> REQUESTED = new JsonEventSerde<>(ContributorErasureRequested.class);
    private static final JsonEventSerde<PhaseCompleted> PHASE_COMPLETED = new JsonEventSerde<>(PhaseCompleted.class);
    private static final JsonEventSerde<ErasureCompleted> ERASURE_COMPLETED = new JsonEventSerde<>(ErasureCompleted.class);

    private EventSerdes() {}

    /** For {@code erasure.requests}. */
    public static JsonEventSerde<ContributorErasureRequested> requested() {
        return REQUESTED;
    }

    /** For {@code erasure.phase-completions}. */
    public static JsonEventSerde<PhaseCompleted> phaseCompleted() {
        return PHASE_COMPLETED;
    }

    /** For {@code erasure.completions}. */
    public static JsonEventSerde<ErasureCompleted> erasureCompleted() {
        return ERASURE_COMPLETED;
    }
}
