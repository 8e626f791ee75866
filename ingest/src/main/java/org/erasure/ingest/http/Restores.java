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
    private final Map<String, Object> kafka;
    private final Topics topics;
    private final Duration timeout;
    private final RequestPublisher publisher;
    private final RequestKeys keys; // null: ingest seals nothing and cannot open a sealed original
    private final Clock clock;

    Restores(Map<String, Object> kafka, Topics topics, Duration timeout, RequestPublisher publisher, RequestKeys keys, Clock clock) {
        this.kafka = kafka;
        this.topics = topics;
        this.timeout = timeout;
        this.publisher = publisher;
        this.keys = keys;
        this.clock = clock;
    }

    /** The published RESTORE request. @throws ApiException 404 unknown, 409 not restorable, 503 Kafka or the key store down */
    ContributorErasureRequested restore(UUID erasureId, String requestedBy) {
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
}
