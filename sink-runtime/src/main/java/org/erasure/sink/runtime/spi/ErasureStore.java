package org.erasure.sink.runtime.spi;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.Phase;

/**
 * One store's erasure logic: the only thing a new sink module implements (plus a {@link StoreModule}).
 * The runtime owns everything else: Kafka, batching, retries, pausing, dead letters, verification
 * bookkeeping, {@code PhaseCompleted} emission, health and metrics.
 *
 * <h2>Lifecycle</h2>
 * {@link StoreModule#create} → ({@link #erase} → {@link #verify})* → {@link #close}. The runtime calls
 * {@code erase}/{@code verify} of one store instance from one thread, one batch at a time (each
 * request lane gets its own instance); {@link #checkReachable} may be called concurrently from the
 * health endpoint, so it must be thread-safe.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A batch holds at most one item per contributorId (the runtime splits duplicates into
 *       later batches) and is never empty.</li>
 *   <li>{@code erase} must be <b>idempotent</b>: a batch may be re-run after a crash (the store
 *       changes committed, the Kafka transaction not). A re-run reports 0 changes and still verifies.</li>
 *   <li>Dry-run items ({@link ErasureItem#dryRun()}) change nothing; they report would-counts.</li>
 *   <li>Use one store operation per target for the whole batch (set-based), not one per item.</li>
 *   <li>Announce what you are about to change through the {@link WriteAhead} before it becomes
 *       durable (see there): that is what keeps the counts of a run that crashed before its
 *       report was committed.</li>
 *   <li>Transient trouble (connection refused, timeout, store restarting) → throw
 *       {@link StoreUnavailableException}; the runtime retries with backoff and, if the store stays
 *       down, pauses consumption until {@link #checkReachable} succeeds. Nothing is reported FAILED.</li>
 *   <li>A permanent problem with one item → return {@link RequestResult.Failed} for it. A permanent
 *       problem you cannot attribute (the batch statement failed) → throw {@link StoreException}
 *       (or any other runtime exception): the runtime bisects the batch to find the culprit,
 *       which alone is reported FAILED.</li>
 *   <li>Keep what you are about to change in {@code writeAhead.restoration()} when it is enabled (the undo
 *       window, {@link RestorationLog}), and implement {@link #restore} to put it back.</li>
 *   <li>Never put identifier values (emails, names) into exception messages, notes or logs.</li>
 * </ul>
 */
public interface ErasureStore extends AutoCloseable {

    /** The phase this store answers for (the {@code systems} value that selects it). */
    Phase phase();

    /** The target names this store reports on (tables, indices, prefixes), in report order. */
    List<String> targets();

    /**
     * Erases (EXECUTE items) and estimates (DRY_RUN items) one batch.
     *
     * @param writeAhead where to announce the EXECUTE items' planned counts right before changing
     *                   the store (a new one per call; several calls on it add up)
     * @return a result per item, keyed by {@link ErasureItem#requestId()}. For an EXECUTE item, an
     *         {@link RequestResult.Erased} with {@code TargetResult.erased(target, deleted, masked, 0)}
     *         per target (the runtime fills in residuals from {@link #verify}); for a DRY_RUN item,
     *         {@code TargetResult.dryRun(target, wouldDelete, wouldMask)}. A missing entry is
     *         reported as FAILED ({@code STORE_NO_RESULT}).
     * @throws StoreUnavailableException transient: retried, then the consumer pauses
     * @throws StoreException            permanent, not attributable: the runtime bisects the batch
     */
    Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead);

    /**
     * Counts what is still there for each item, by reading the store again (independent of the
     * erase path and its counts). Called with the EXECUTE items that erased successfully.
     *
     * @return residual matches per item and target; a missing target counts as residual 0, a
     *         missing item as "not verified" (FAILED)
     * @throws StoreUnavailableException transient
     */
    Map<UUID, List<TargetResidual>> verify(ErasureBatch batch);

    /**
     * Undoes one request's erasure from what {@link #erase} kept in the {@link RestorationLog} (the undo window).
     *
     * <ul>
     *   <li>{@code images} are all the request's images for this store, opened, in the order they were kept;
     *       an image may occur twice (a run that crashed after keeping and was re-run).</li>
     *   <li>Put back only what is still erased: re-create a deleted record only where it is absent, set a masked
     *       value back only where it still holds the mask. Never overwrite data written since the erasure.</li>
     *   <li>Idempotent: a second restore puts back nothing and reports 0.</li>
     *   <li>One store operation per target where the store allows; errors as for {@link #erase}
     *       ({@link StoreUnavailableException} transient, anything else permanent for this request).</li>
     * </ul>
     *
     * @param log to {@link RestorationLog#open} what the store sealed itself (e.g. restoration-bucket objects)
     * @return records restored per target name (a target with nothing to restore may be left out)
     * @throws UnsupportedOperationException when the store keeps no before-images (the default)
     */
    default Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog log) {
        throw new UnsupportedOperationException(phase() + " cannot restore: it keeps no before-images");
    }

    /**
     * Returns normally iff the store answers (e.g. a {@code SELECT 1} with a short timeout).
     * Used to resume after an outage and by readiness. Thread-safe.
     *
     * @throws StoreUnavailableException when it does not
     */
    void checkReachable();

    /** Releases connections/pools. Must not throw for an already closed store. */
    @Override
    void close();
}
