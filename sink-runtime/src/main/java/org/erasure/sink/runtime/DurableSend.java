package org.erasure.sink.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/**
 * What is written ahead of a store change (STARTED reports, restoration images): sent, flushed and acknowledged by
 * every in-sync replica before the store may change. Anything else is an outage: nothing may be changed.
 */
public final class DurableSend {
    private DurableSend() {}

    /**
     * @param what names what is written, for the exception ("the write-ahead report", "restoration images")
     * @throws StoreUnavailableException when not every record is acknowledged within {@code timeout}
     */
    public static void sendAll(Producer<String, byte[]> producer, List<ProducerRecord<String, byte[]>> records, Duration timeout, String what) {
        if (records.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        try {
            for (ProducerRecord<String, byte[]> r : records) {
                acks.add(producer.send(r));
            }
            producer.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while writing " + what + " to Kafka; nothing was changed", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new StoreUnavailableException(what + " could not be written to Kafka (" + cause.getClass().getSimpleName()
                    + "); nothing was changed", cause);
        }
    }
}
