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
    SKIPPED
}
