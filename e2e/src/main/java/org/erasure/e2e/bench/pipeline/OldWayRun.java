package org.erasure.e2e.bench.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.DevStack;
import org.erasure.e2e.bench.pipeline.direct.DirectEraser;
import org.erasure.e2e.bench.pipeline.direct.Erased;
import org.erasure.e2e.bench.pipeline.direct.Subject;
import org.erasure.e2e.bench.pipeline.report.BenchReport.OldWay;
import org.erasure.e2e.bench.pipeline.report.BenchReport.StoreRun;

/**
 * (c) The old way: what the replaced script did, one contributor at a time and store after store,
 * on a subset spread over the world; the time per contributor is extrapolated to the burst size.
 */
final class OldWayRun {

    private OldWayRun() {}

    static OldWay run(DevStack stack, FreshWorld.Seeded seeded, int subset, int extrapolateTo, int s3Listers) {
        List<Subject> subjects = Subjects.of(seeded.world(), Subjects.spread(subset, seeded.world().size()))
                .stream().map(Subject::of).toList();
        long mutationsBefore = FreshWorld.clickhouseMutations(stack);
        Map<String, long[]> byStore = new LinkedHashMap<>(); // store -> {nanos, deleted, masked}
        List<DirectEraser> erasers = DirectErasers.open(stack, s3Listers);
        long begin = System.nanoTime();
        try {
            int done = 0;
            for (Subject subject : subjects) {
                for (DirectEraser eraser : erasers) {
                    long t = System.nanoTime();
                    Erased erased = eraser.eraseOne(subject);
                    long[] acc = byStore.computeIfAbsent(eraser.store(), k -> new long[3]);
                    acc[0] += System.nanoTime() - t;
                    acc[1] += erased.deleted();
                    acc[2] += erased.masked();
                }
                if (++done % 10 == 0 || done == subjects.size()) {
                    Progress.say("old way: %d of %d contributors, %.1f s", done, subjects.size(), (System.nanoTime() - begin) / 1e9);
                }
            }
        } finally {
            erasers.forEach(DirectEraser::close);
        }
        double measured = (System.nanoTime() - begin) / 1e9;
        List<StoreRun> stores = new ArrayList<>();
        byStore.forEach((store, acc) -> stores.add(new StoreRun(store, acc[0] / 1e9, acc[1], acc[2])));
        double perContributor = measured / subjects.size();
        return new OldWay(subjects.size(), measured, perContributor, stores, extrapolateTo, perContributor * extrapolateTo,
                "extrapolated: " + subjects.size() + " contributors measured, x " + extrapolateTo + "/" + subjects.size(),
                FreshWorld.clickhouseMutations(stack) - mutationsBefore, seeded.seed());
    }
}
