package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.Collection;

/** Sums of {@link TargetResult} counters. */
public record Totals(
        @JsonProperty(required = true) long deleted,
        @JsonProperty(required = true) long masked,
        @JsonProperty(required = true) long wouldDelete,
        @JsonProperty(required = true) long wouldMask,
        @JsonProperty(required = true) long residual,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY) long restored) {

    public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0);

    public Totals(long deleted, long masked, long wouldDelete, long wouldMask, long residual) {
        this(deleted, masked, wouldDelete, wouldMask, residual, 0);
    }

    public Totals {
        Checks.nonNegative(deleted, "deleted");
        Checks.nonNegative(masked, "masked");
        Checks.nonNegative(wouldDelete, "wouldDelete");
        Checks.nonNegative(wouldMask, "wouldMask");
        Checks.nonNegative(residual, "residual");
        Checks.nonNegative(restored, "restored");
    }

    public static Totals of(Collection<TargetResult> targets) {
        Totals t = ZERO;
        for (TargetResult r : targets) {
            t = t.plus(new Totals(r.deleted(), r.masked(), r.wouldDelete(), r.wouldMask(), r.residual(), r.restored()));
        }
        return t;
    }

    public Totals plus(Totals o) {
        return new Totals(
                Math.addExact(deleted, o.deleted),
                Math.addExact(masked, o.masked),
                Math.addExact(wouldDelete, o.wouldDelete),
                Math.addExact(wouldMask, o.wouldMask),
                Math.addExact(residual, o.residual),
                Math.addExact(restored, o.restored));
    }
}
