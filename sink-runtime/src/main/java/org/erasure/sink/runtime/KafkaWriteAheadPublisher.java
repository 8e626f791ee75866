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
import org.erasure.events.PhaseCompleted;
import org.erasure.events.serde.EventJson;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/**
 * Sends STARTED reports to the phase-completions topic with an idempotent, non-transactional
 * producer ({@code acks=all}) and waits until every one is acknowledged. They are keyed by
 * requestId like every report, so the verifier sees a crashed run's STARTED before the re-run's
 * result on the same partition.
 */
final class KafkaWriteAheadPublisher implements WriteAheadPublisher {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Duration timeout;

    KafkaWriteAheadPublisher(Producer<String, byte[]> producer, String topic, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.timeout = timeout;
    }

    @Override
    public void publish(List<PhaseCompleted> started) {
        if (started.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(started.size());
        try {
            for (PhaseCompleted pc : started) {
                acks.add(producer.send(new ProducerRecord<>(topic, pc.kafkaKey(), EventJson.write(pc))));
            }
            producer.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while writing the write-ahead report to Kafka", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new StoreUnavailableException("the write-ahead report could not be written to Kafka ("
                    + cause.getClass().getSimpleName() + "); nothing was changed", cause);
        }
    }
}
