package org.erasure.verifier.topology;

import org.erasure.events.PhaseCompleted;

/** What reaches {@link ErasureProcessor}, keyed by the requestId whose state it concerns. Never serialized. */
public sealed interface Inbound {
    record Request(RequestSummary summary) implements Inbound {}

    record Report(PhaseCompleted report) implements Inbound {}

    record Lineage(LineageMessage message) implements Inbound {}
}
