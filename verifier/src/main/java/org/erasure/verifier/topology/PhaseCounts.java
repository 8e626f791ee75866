package org.erasure.verifier.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;

/**
 * How a phase's counts in the record are built from its reports (see verifier/README.md, "Counts").
 *
 * <p>A sink writes a STARTED report (what it is about to change) before it changes a store, and a
 * result after. A run that crashed in between leaves its STARTED report but no result; the re-run
 * finds the data gone and reports 0. So the reports of one phase fall into <em>episodes</em>: the
 * STARTED reports since the previous result, closed by the next result. An episode counts, per
 * target, the larger of what was announced and what was reported; the record shows the sum over
 * episodes. A redelivered request is a new episode that announces and reports nothing, so the
 * record keeps its counts; a re-run that finds restored data adds what it erased.
 */
final class PhaseCounts {

    private PhaseCounts() {}

    /** Per target, the larger announced deletes and masks (STARTED reports of one episode). */
    static List<TargetResult> announce(List<TargetResult> announced, List<TargetResult> started) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (List<TargetResult> list : List.of(announced, started)) {
            for (TargetResult t : list) {
                long[] n = m.computeIfAbsent(t.target(), k -> new long[2]);
                n[0] = Math.max(n[0], t.deleted());
                n[1] = Math.max(n[1], t.masked());
            }
        }
        List<TargetResult> out = new ArrayList<>(m.size());
        m.forEach((target, n) -> out.add(TargetResult.erased(target, n[0], n[1], 0)));
        return out;
    }

    /**
     * The phase's result after {@code report} closes an episode whose announcements are {@code announced}.
     *
     * @param previous the recorded result before, or null
     * @return the new recorded result; {@code previous} itself when the facts did not change (so an
     *         idle re-run or a redelivery makes no new revision)
     */
    static PhaseResult record(PhaseResult previous, List<TargetResult> announced, PhaseCompleted report) {
        if (report.status() == PhaseStatus.DRY_RUN || previous == null || previous.status() == PhaseStatus.DRY_RUN) {
            // Would-counts are an estimate of the current state, not work done: the latest one stands.
            PhaseResult first = report.status() == PhaseStatus.DRY_RUN ? PhaseResult.from(report)
                    : withTargets(report, sum(List.of(), episode(announced, report.targets())));
            return previous != null && sameFacts(previous, first) ? previous : first;
        }
        PhaseResult next = withTargets(report, sum(previous.targets(), episode(announced, report.targets())));
        return sameFacts(previous, next) ? previous : next;
    }

    /** Announced and reported of one episode: per target the larger counts; residual, would-counts and note as reported. */
    static List<TargetResult> episode(List<TargetResult> announced, List<TargetResult> reported) {
        Map<String, TargetResult> out = new LinkedHashMap<>();
        for (TargetResult r : reported) {
            out.put(r.target(), r);
        }
        for (TargetResult a : announced) {
            TargetResult r = out.get(a.target());
            out.put(a.target(), r == null
                    ? TargetResult.erased(a.target(), a.deleted(), a.masked(), 0)
                    : new TargetResult(r.target(), Math.max(r.deleted(), a.deleted()), Math.max(r.masked(), a.masked()),
                            r.wouldDelete(), r.wouldMask(), r.residual(), r.note()));
        }
        return new ArrayList<>(out.values());
    }

    /** Recorded plus an episode: deletes and masks add up; residual, would-counts and notes are the episode's where it has the target. */
    static List<TargetResult> sum(List<TargetResult> recorded, List<TargetResult> episode) {
        Map<String, TargetResult> out = new LinkedHashMap<>();
        for (TargetResult r : recorded) {
            out.put(r.target(), r);
        }
        for (TargetResult e : episode) {
            TargetResult r = out.get(e.target());
            out.put(e.target(), r == null ? e
                    : new TargetResult(e.target(), r.deleted() + e.deleted(), r.masked() + e.masked(), e.wouldDelete(), e.wouldMask(),
                            e.residual(), e.note() != null ? e.note() : r.note()));
        }
        return new ArrayList<>(out.values());
    }

    private static PhaseResult withTargets(PhaseCompleted report, List<TargetResult> targets) {
        long residual = targets.stream().mapToLong(TargetResult::residual).sum();
        return new PhaseResult(report.status(), targets, residual, report.verification().verified() && residual == 0,
                report.attempt(), report.completedAt(), PhaseResult.errorCode(report));
    }

    /** Everything an auditor reads, except when and by which attempt it was (re)confirmed. */
    static boolean sameFacts(PhaseResult a, PhaseResult b) {
        return a.status() == b.status() && a.verified() == b.verified() && a.residual() == b.residual()
                && a.targets().equals(b.targets()) && java.util.Objects.equals(a.error(), b.error());
    }
}
