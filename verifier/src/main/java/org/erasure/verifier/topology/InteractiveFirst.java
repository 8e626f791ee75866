package org.erasure.verifier.topology;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Lets an interactive request and its reports overtake a backlog of bulk work in the verifier.
 *
 * <p>A Kafka Streams task takes its buffered records in timestamp order across its input
 * partitions. The processor sees both lanes in one task (they share the record chain of the task's
 * completions partition), so after a 10,000-person purge an account closure's reports would wait
 * behind every bulk report written before them. This extractor stamps records of the interactive
 * topics ({@code erasure.requests}, {@code erasure.phase-completions}) {@link #LEAD_CONFIG} earlier,
 * for that choice only: the processor reads the wall clock, never record time, and sealed records
 * carry the time they were sealed. The stamp travels with what the record causes: the interactive
 * request's repartition record (Kafka Streams reads repartition topics with the time written, so the
 * lane is decided here, at the source) and the changelog entries written while processing it. The
 * broker's {@code message.timestamp.before.max.ms} must allow that; its default has no limit.
 */
public final class InteractiveFirst implements TimestampExtractor, Configurable {
    /** Comma-separated topics whose records go first. */
    public static final String TOPICS_CONFIG = "erasure.interactive-topics";
    /** How far back interactive records are stamped, in ms: the bulk backlog they can overtake. */
    public static final String LEAD_CONFIG = "erasure.interactive-lead.ms";
    public static final Duration DEFAULT_LEAD = Duration.ofHours(1);

    private Set<String> interactive = Set.of();
    private long leadMs = DEFAULT_LEAD.toMillis();

    @Override
    public void configure(Map<String, ?> configs) {
        Object topics = configs.get(TOPICS_CONFIG);
        if (topics != null && !topics.toString().isBlank()) {
            interactive = Set.of(topics.toString().split(","));
        }
        Object lead = configs.get(LEAD_CONFIG);
        if (lead != null) {
            leadMs = Long.parseLong(lead.toString().trim());
            if (leadMs < 0) {
                throw new IllegalArgumentException(LEAD_CONFIG + " must be >= 0");
            }
        }
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long ts = record.timestamp();
        if (ts < 0) {
            // No valid time (a record written without one): keep its place rather than fail the task.
            return Math.max(partitionTime, 0);
        }
        return interactive.contains(record.topic()) ? Math.max(0, ts - leadMs) : ts;
    }
}
