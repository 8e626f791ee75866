package org.erasure.events;

/** Whether sinks really erase, only report what they would erase, or undo an earlier erasure. */
public enum Mode {
    EXECUTE,
    DRY_RUN,
    /**
     * Undo the erasure of the EXECUTE request named by {@code replayOf} from what the sinks kept for the undo
     * window (docs/privacy.md, "Undo window"): each sink puts back what it erased and reports
     * {@link PhaseStatus#RESTORED} with {@code restored} counts. A sink that does not know this mode sends the
     * request to its dead-letter topic (it never erases it).
     */
    RESTORE
}
