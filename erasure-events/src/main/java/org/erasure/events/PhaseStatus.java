package org.erasure.events;

/** Result of one sink's phase. */
public enum PhaseStatus {
    /** Erased and verified (or erased; see {@link Verification#verified()}). */
    SUCCEEDED,
    /** Could not erase; {@link PhaseCompleted#error()} says why. */
    FAILED,
    /** Mode was DRY_RUN: nothing was changed, only {@code wouldDelete}/{@code wouldMask} counted. */
    DRY_RUN,
    /** The phase was not part of the request's {@code systems}. */
    SKIPPED,
    /** Mode was RESTORE: the sink put back what it had erased for the original request ({@code restored} counts). */
    RESTORED,
    /**
     * Write-ahead, not a result: the sink is about to change the store, {@code deleted}/{@code masked}
     * say what it is about to change. Written outside the sink's Kafka transaction, right before the
     * store change becomes durable, so it survives a crash between the store change and the
     * transaction that would have reported it; the verifier counts it in the record when the request's
     * next result arrives (see verifier/README.md, "Counts"). Never verified, never in a record itself.
     */
    STARTED;

    /** True for a phase's result (everything but the {@link #STARTED} write-ahead). */
    public boolean isResult() {
        return this != STARTED;
    }
}
