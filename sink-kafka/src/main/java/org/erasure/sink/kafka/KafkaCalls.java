package org.erasure.sink.kafka;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/** A Kafka client future awaited the one way: no answer, an interrupt or a retriable failure is an outage. */
final class KafkaCalls {
    private KafkaCalls() {}

    static <T> T await(Future<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted: " + what, e);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(what + ": no answer within " + timeout, e);
        } catch (ExecutionException e) {
            String cause = e.getCause().getClass().getSimpleName();
            if (e.getCause() instanceof UnknownTopicOrPartitionException) { // retriable for Kafka, a configuration error here
                throw new IllegalArgumentException(what + ": a configured topic does not exist (" + cause + ")");
            }
            if (e.getCause() instanceof RetriableException) {
                throw new StoreUnavailableException(what + " failed transiently: " + cause, e);
            }
            throw new StoreException("KAFKA_REFUSED", what + " failed: " + cause);
        }
    }
}
