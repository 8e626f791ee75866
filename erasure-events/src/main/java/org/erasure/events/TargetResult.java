package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/**
 * What one sink did to one target (a table, an index, a bucket prefix, a key pattern).
 *
 * <p>Design: explicit counters rather than one action+count, so one line answers the auditor's
 * questions "what was deleted, what was masked, what is left" and a target can be both deleted
 * (own rows) and masked (shared rows). In a dry run only {@code wouldDelete}/{@code wouldMask} are
 * non-zero; otherwise they are 0 (enforced by {@link PhaseCompleted}).
 *
 * @param target      target name, e.g. {@code public.contributors}, {@code contributions-*},
 *                    {@code s3://uploads/contributors/}, {@code session:*}
 * @param deleted     records deleted
 * @param masked      records whose personal fields were masked/anonymised in place
 * @param wouldDelete dry run: records that would be deleted
 * @param wouldMask   dry run: records that would be masked
 * @param residual    matches the verification query found after erasure; must be 0 to verify
 * @param note        optional PII-free remark, e.g. "upstream Kafka topic still holds data"
 * @param restored    RESTORE mode: records put back from the undo window; 0 (and absent from the JSON, so records
 *                    without it hash as before) otherwise
 */
public record TargetResult(
        String target,
        @JsonProperty(required = true) long deleted,
        @JsonProperty(required = true) long masked,
        @JsonProperty(required = true) long wouldDelete,
        @JsonProperty(required = true) long wouldMask,
        @JsonProperty(required = true) long residual,
        String note,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY) long restored) {

    static final int MAX_NOTE = 500;

    public TargetResult {
        Checks.nonBlank(target, "target");
        Checks.nonNegative(deleted, "deleted");
        Checks.nonNegative(masked, "masked");
        Checks.nonNegative(wouldDelete, "wouldDelete");
        Checks.nonNegative(wouldMask, "wouldMask");
        Checks.nonNegative(residual, "residual");
        Checks.piiFreeText(note, "note", MAX_NOTE, false);
        Checks.nonNegative(restored, "restored");
    }

    public TargetResult(String target, long deleted, long masked, long wouldDelete, long wouldMask, long residual, String note) {
        this(target, deleted, masked, wouldDelete, wouldMask, residual, note, 0);
    }

    /** Result of a restore (RESTORE mode) of one target: {@code restored} records put back. */
    public static TargetResult restored(String target, long restored) {
        return new TargetResult(target, 0, 0, 0, 0, 0, null, restored);
    }

    /** Result of a real erasure of one target. */
    public static TargetResult erased(String target, long deleted, long masked, long residual) {
        return new TargetResult(target, deleted, masked, 0, 0, residual, null);
    }

    /** Result of a dry run on one target (residual is 0: nothing was erased, nothing verified). */
    public static TargetResult dryRun(String target, long wouldDelete, long wouldMask) {
        return new TargetResult(target, 0, 0, wouldDelete, wouldMask, 0, null);
    }

    public TargetResult withNote(String note) {
        return new TargetResult(target, deleted, masked, wouldDelete, wouldMask, residual, note, restored);
    }
}
