package org.erasure.sink.runtime;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.serde.EventJson;

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
        DurableSend.sendAll(producer, started.stream()
                .map(pc -> new ProducerRecord<>(topic, pc.kafkaKey(), EventJson.write(pc))).toList(), timeout, "the write-ahead report");
    }
}
