package org.erasure.sink.runtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.junit.jupiter.api.Test;

/** Results, announcements and residuals built from per-(request, target) counts, in report and item order. */
class TallyTest {
    private static final List<String> TARGETS = List.of("public.contributors", "public.judgments", "public.payouts");

    private static ErasureItem item(String contributorId, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), contributorId, Identifiers.none(), mode);
    }

    @Test
    void resultsHaveOneTargetResultPerTargetInReportOrderAndItemsInTheirOrder() {
        ErasureItem execute = item("7", Mode.EXECUTE);
        ErasureItem dryRun = item("8", Mode.DRY_RUN);
        ErasureItem untouched = item("9", Mode.EXECUTE);
        Tally tally = new Tally(TARGETS);
        tally.masked(execute, "public.judgments", 2);
        tally.deleted(execute, "public.contributors", 1);
        tally.masked(execute, "public.judgments", 1);
        tally.deleted(dryRun, "public.payouts", 4);

        Map<UUID, RequestResult> results = tally.results(List.of(untouched, dryRun, execute));

        assertThat(results.keySet()).containsExactly(untouched.requestId(), dryRun.requestId(), execute.requestId());
        assertThat(results.get(execute.requestId())).isEqualTo(RequestResult.erased(List.of(
                TargetResult.erased("public.contributors", 1, 0, 0),
                TargetResult.erased("public.judgments", 0, 3, 0),
                TargetResult.erased("public.payouts", 0, 0, 0))));
        assertThat(results.get(dryRun.requestId())).isEqualTo(RequestResult.erased(List.of(
                TargetResult.dryRun("public.contributors", 0, 0),
                TargetResult.dryRun("public.judgments", 0, 0),
                TargetResult.dryRun("public.payouts", 4, 0))));
        assertThat(results.get(untouched.requestId())).isEqualTo(RequestResult.erased(TARGETS.stream()
                .map(t -> TargetResult.erased(t, 0, 0, 0)).toList()));
    }

    @Test
    void notesSeeEachTargetByItsIndex() {
        ErasureItem execute = item("x", Mode.EXECUTE);
        Tally tally = new Tally(TARGETS);

        Map<UUID, RequestResult> results = tally.results(List.of(execute), (i, target, r) -> target == 1 ? r.withNote("second") : r);

        assertThat(((RequestResult.Erased) results.get(execute.requestId())).targets())
                .extracting(TargetResult::note).containsExactly(null, "second", null);
    }

    @Test
    void theAnnouncementHoldsOnlyExecutesAndTargetsWithCounts() {
        ErasureItem execute = item("7", Mode.EXECUTE);
        ErasureItem nothing = item("8", Mode.EXECUTE);
        ErasureItem dryRun = item("9", Mode.DRY_RUN);
        Tally tally = new Tally(TARGETS);
        tally.masked(execute, "public.payouts", 2);
        tally.deleted(execute, "public.contributors", 1);
        tally.deleted(dryRun, "public.contributors", 5);

        Map<UUID, List<TargetResult>> planned = tally.planned(List.of(execute, nothing));

        assertThat(planned).containsOnlyKeys(execute.requestId());
        assertThat(planned.get(execute.requestId())).containsExactly(
                TargetResult.erased("public.contributors", 1, 0, 0), TargetResult.erased("public.payouts", 0, 2, 0));
    }

    @Test
    void residualsAreWhatWasFoundPerTarget() {
        ErasureItem clean = item("7", Mode.EXECUTE);
        ErasureItem dirty = item("8", Mode.EXECUTE);
        Tally tally = new Tally(TARGETS);
        tally.found(dirty, "public.judgments", 3);

        Map<UUID, List<TargetResidual>> residuals = tally.residuals(List.of(clean, dirty));

        assertThat(residuals.keySet()).containsExactly(clean.requestId(), dirty.requestId());
        assertThat(residuals.get(dirty.requestId())).containsExactly(new TargetResidual("public.contributors", 0),
                new TargetResidual("public.judgments", 3), new TargetResidual("public.payouts", 0));
        assertThat(residuals.get(clean.requestId())).extracting(TargetResidual::residual).containsOnly(0L);
    }

    @Test
    void aTargetTheStoreDoesNotReportIsRefused() {
        Tally tally = new Tally(TARGETS);

        assertThatThrownBy(() -> tally.deleted(item("7", Mode.EXECUTE), "public.other", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("public.other");
    }
}
