package org.erasure.verifier.topology;

import org.erasure.events.ErasureCompleted;

/** What {@link ErasureProcessor} emits. */
public sealed interface Outbound {
    /**
     * A sealed record for {@code erasure.completions}, with the partition it must be written to
     * (the emitting task's partition, whose chain head it was linked to).
     */
    record Completion(int partition, ErasureCompleted record) implements Outbound {}

    /** A message for the lineage topic. */
    record Lineage(LineageMessage message) implements Outbound {}
}
