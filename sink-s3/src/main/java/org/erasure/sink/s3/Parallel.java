package org.erasure.sink.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/** Waiting for the sink's parallel S3 calls: all results, or the first failure with the rest cancelled. */
final class Parallel {

    private Parallel() {}

    /**
     * @param what for the message of a non-runtime failure, e.g. "listing"
     * @throws RuntimeException the first task's own runtime exception (store errors keep their type)
     */
    static <T> List<T> await(List<Future<T>> futures, String what) {
        List<T> out = new ArrayList<>(futures.size());
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            futures.forEach(x -> x.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreUnavailableException(what + " failed: " + e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            futures.forEach(x -> x.cancel(true));
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while " + what);
        }
    }
}
