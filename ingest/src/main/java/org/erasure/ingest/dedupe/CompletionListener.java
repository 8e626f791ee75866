package org.erasure.ingest.dedupe;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code erasure.completions} from its end (no consumer group: every instance reads every
 * partition) and closes the {@link OpenRequests} whose final record arrives. Only the record key
 * (the requestId) is read.
 */
public final class CompletionListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CompletionListener.class);

    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final OpenRequests open;
    private final Thread thread;
    private volatile boolean running = true;

    public CompletionListener(Map<String, Object> kafka, String topic, OpenRequests open) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        this.topic = topic;
        this.open = open;
        this.thread = Thread.ofPlatform().name("completion-listener").daemon().unstarted(this::run);
    }

    public CompletionListener start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = List.of();
            while (running && partitions.isEmpty()) {
                try {
                    partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    log.debug("waiting for topic {}", topic);
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {
                    try {
                        open.close(UUID.fromString(r.key()));
                    } catch (IllegalArgumentException | NullPointerException e) {
                        log.debug("ignoring completion record with a key that is not a requestId at offset {}", r.offset());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("completion listener stopped: {}; open-request dedupe falls back to deadlines", e.getClass().getSimpleName());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
