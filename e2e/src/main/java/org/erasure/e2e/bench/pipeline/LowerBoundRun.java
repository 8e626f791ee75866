package org.erasure.e2e.bench.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.erasure.devstack.DevStack;
import org.erasure.e2e.bench.pipeline.direct.DirectEraser;
import org.erasure.e2e.bench.pipeline.direct.Erased;
import org.erasure.e2e.bench.pipeline.direct.Subject;
import org.erasure.e2e.bench.pipeline.report.BenchReport.LowerBound;
import org.erasure.e2e.bench.pipeline.report.BenchReport.StoreRun;

/**
 * (d) The lower bound: no Kafka, no services; one bulk operation per store target for the whole
 * set, the five stores at the same time. The pipeline cannot beat this on the same machine.
 */
final class LowerBoundRun {

    private LowerBoundRun() {}

    static LowerBound run(DevStack stack, FreshWorld.Seeded seeded, List<Integer> indices, int s3Listers) {
        List<Subject> subjects = Subjects.of(seeded.world(), indices).stream().map(Subject::of).toList();
        long mutationsBefore = FreshWorld.clickhouseMutations(stack);
        List<DirectEraser> erasers = DirectErasers.open(stack, s3Listers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<StoreRun>> runs = new ArrayList<>();
        long begin;
        try (ExecutorService pool = Executors.newFixedThreadPool(erasers.size())) {
            for (DirectEraser eraser : erasers) {
                runs.add(pool.submit(() -> {
                    go.await();
                    long t = System.nanoTime();
                    Erased erased = eraser.eraseAll(subjects);
                    double seconds = (System.nanoTime() - t) / 1e9;
                    Progress.say("lower bound: %s done in %.2f s (%d deleted, %d masked)", eraser.store(), seconds,
                            erased.deleted(), erased.masked());
                    return new StoreRun(eraser.store(), seconds, erased.deleted(), erased.masked());
                }));
            }
            begin = System.nanoTime();
            go.countDown();
            List<StoreRun> stores = new ArrayList<>();
            for (Future<StoreRun> run : runs) {
                stores.add(run.get());
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            return new LowerBound(subjects.size(), seconds, stores, FreshWorld.clickhouseMutations(stack) - mutationsBefore, seeded.seed());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("lower bound failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            erasers.forEach(DirectEraser::close);
        }
    }
}
