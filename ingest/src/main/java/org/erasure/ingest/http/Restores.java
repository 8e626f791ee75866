package org.erasure.ingest.http;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.client.log.RequestLog;
import org.erasure.client.publish.PublishException;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.RequestLane;
import org.erasure.events.Topics;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;

/**
 * {@code POST /v1/erasures/{requestId}/restore} (role admin): undoes an erasure within the undo window by publishing a
 * RESTORE request ({@code replayOf} = the erasure, its identifiers copied, sealed like every request ingest publishes)
 * on the interactive lane. The sinks put back what they kept and report RESTORED; the verifier records the revision.
 */
final class Restores {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final Map<String, Object> kafka;
    private final Topics topics;
    private final Duration timeout;
    private final RequestPublisher publisher;
    private final RequestKeys keys; // null: ingest seals nothing and cannot open a sealed original
    private final Clock clock;
    private final VerifierClient verifier;

    Restores(Map<String, Object> kafka, Topics topics, Duration timeout, RequestPublisher publisher, RequestKeys keys, Clock clock,
             VerifierClient verifier) {
        this.verifier = verifier;
        this.kafka = kafka;
        this.topics = topics;
        this.timeout = timeout;
        this.publisher = publisher;
        this.keys = keys;
        this.clock = clock;
    }

    /** The published RESTORE request. @throws ApiException 404 unknown, 409 not restorable, 503 Kafka or the key store down */
    ContributorErasureRequested restore(UUID erasureId, String requestedBy) {
        requireFinalRecord(erasureId);
        ContributorErasureRequested original;
        try {
            original = RequestLog.find(kafka, topics, erasureId, timeout).orElseThrow(() ->
                    new ApiException(404, "request " + erasureId + " is not on " + topics.requestLanes()));
        } catch (RequestLog.TopicMissing | RequestLog.Unreachable e) {
            throw new ApiException(503, e.getMessage() + "; try again later");
        }
        if (original.mode() != Mode.EXECUTE) {
            throw new ApiException(409, "request " + erasureId + " is a " + original.mode() + " request: only an erasure (EXECUTE) can be restored");
        }
        ContributorErasureRequested base = original;
        if (original.hasSealedIdentifiers()) {
            if (keys == null) {
                throw new ApiException(409, "request " + erasureId + " has sealed identifiers and this ingest has no key-encryption key"
                        + " (ingest.keys): it cannot copy them into the restore");
            }
            Opening opening;
            try {
                opening = keys.open(original);
            } catch (RuntimeException e) {
                throw new ApiException(503, "the key store did not answer (" + e.getClass().getSimpleName() + "); try again later");
            }
            base = switch (opening) {
                case Opening.Opened o -> o.request();
                case Opening.KeyShredded k -> throw new ApiException(409, "request " + erasureId
                        + ": its key was shredded (long after its undo window ended); nothing can be restored");
                case Opening.Unreadable u -> throw new ApiException(409, "request " + erasureId + ": " + Opening.KEY_UNREADABLE);
            };
        }
        ContributorErasureRequested restore = base.toBuilder().requestId(UUID.randomUUID())
                .requestedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS)).requestedBy(requestedBy + " (restore)")
                .mode(Mode.RESTORE).replayOf(erasureId).build();
        try {
            // Undoing a wrong erasure is urgent for the person: the interactive lane, never behind a purge.
            publisher.publish(List.of(restore), r -> RequestLane.INTERACTIVE);
        } catch (PublishException e) {
            throw new ApiException(503, "the restore could not be published (" + e.getMessage() + "); nothing was published, try again");
        }
        return restore;
    }

    /**
     * A restore undoes what the sinks did; while the erasure is still queued or running somewhere (a purge in the bulk
     * lane), a sink could restore nothing and erase afterwards. So: only once the verifier has its final record.
     */
    private void requireFinalRecord(UUID erasureId) {
        VerifierClient.Answer a = verifier.status(erasureId);
        if (a.unreachable()) {
            throw new ApiException(503, "the verifier is unreachable (" + a.body() + "): a restore waits for the erasure's final record; try again later");
        }
        if (a.status() == 404) {
            throw new ApiException(409, "request " + erasureId + " has no final record yet (unknown to the verifier): restore it once its erasure has finished");
        }
        if (a.status() != 200) {
            throw new ApiException(502, "the verifier answered HTTP " + a.status());
        }
        String status;
        try {
            status = JSON.readTree(a.body()).path("status").asText("");
        } catch (java.io.IOException e) {
            throw new ApiException(502, "the verifier's answer is not JSON");
        }
        if (!"FINAL".equals(status)) {
            throw new ApiException(409, "request " + erasureId + " is still in progress: restore it once its erasure has a final record");
        }
    }
}
