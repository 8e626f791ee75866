package org.erasure.sink.runtime.spi;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.TargetResult;

/**
 * What a store announces right before it changes anything, so that the final record keeps the
 * counts even when the sink dies between the store change and the Kafka transaction that would
 * have reported it (the re-run finds nothing left and counts 0; the announcement still says what
 * the first run erased).
 *
 * <p>Call {@link #record} with the per-request counts you are <em>about to</em> delete or mask,
 * after you know them (listed, counted, or changed in a store transaction that is not committed
 * yet) and before the change becomes durable. The call returns once the announcement is durable
 * in Kafka; if it throws, do not apply the change (let the exception propagate: it is a
 * {@link StoreUnavailableException}, the runtime retries and pauses as for a store outage).
 *
 * <p>A store that counts per request and target builds the argument with {@link Tally#planned}.
 *
 * <ul>
 *   <li>Only EXECUTE items; dry runs announce nothing.</li>
 *   <li>Targets as {@code TargetResult.erased(target, deleted, masked, 0)}; requests whose counts are
 *       all 0 may be left out (a re-run that finds nothing announces nothing).</li>
 *   <li>Several calls within one {@code erase} add up (e.g. one per page or per target).</li>
 *   <li>Where the store has a transaction, the exact place is just before its commit.</li>
 * </ul>
 *
 * The verifier counts, per request and target, the larger of what was announced and what was
 * reported since the previous report (see verifier/README.md, "Counts").
 */
@FunctionalInterface
public interface WriteAhead {

    /** Announces planned changes; returns when they are durable. */
    void record(Map<UUID, List<TargetResult>> planned);

    /**
     * Where to keep before-images for the undo window (see {@link RestorationLog}); {@link RestorationLog#OFF}
     * unless the sink runs with a key-encryption key and a window.
     */
    default RestorationLog restoration() {
        return RestorationLog.OFF;
    }

    /** For store-level tests that do not exercise crash accounting. */
    WriteAhead NONE = planned -> { };
}
