package org.erasure.verifier.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.EventFormatException;
import org.erasure.events.Topics;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unreadable input: a phase completion goes to {@code erasure.phase-completions.dlq} with the
 * standard dead-letter headers (in the same transaction as the rest of the task's output); an
 * unreadable request is skipped (the sinks already dead-letter requests, a second copy would only
 * confuse); anything else (our own internal topics) stops the application.
 * Logs name the field and the problem, never the payload.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
    public static final String TOPIC_PREFIX_CONFIG = "verifier.topic.prefix";
    public static final String METRICS_CONFIG = "verifier.metrics";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    private Topics topics = Topics.DEFAULT;
    private VerifierMetrics metrics = VerifierMetrics.noop();

    @Override
    public void configure(Map<String, ?> configs) {
        Object prefix = configs.get(TOPIC_PREFIX_CONFIG);
        topics = Topics.withPrefix(prefix == null ? "" : prefix.toString());
        if (configs.get(METRICS_CONFIG) instanceof VerifierMetrics m) {
            metrics = m;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        EventFormatException problem = exception instanceof EventFormatException e ? e
                : new EventFormatException(EventFormatException.PAYLOAD, "unreadable (" + exception.getClass().getSimpleName() + ")");
        if (topics.phaseCompletionLanes().contains(context.topic())) {
            String dlq = Topics.dlq(context.topic());
            metrics.unreadable("phase-completions");
            log.warn("Unreadable phase completion sent to {}: {} (partition {}, offset {})",
                    dlq, problem.getMessage(), context.partition(), context.offset());
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            DeadLetterHeaders.add(headers, problem, context.topic(), context.partition(), context.offset());
            return Response.resume(List.of(new ProducerRecord<>(dlq, null, record.key(), record.value(), headers)));
        }
        if (context.topic().equals(topics.requests()) || context.topic().equals(topics.requestsBulk())) {
            metrics.unreadable("requests");
            log.warn("Unreadable request skipped (the sinks dead-letter it): {} (partition {}, offset {})",
                    problem.getMessage(), context.partition(), context.offset());
            return Response.resume();
        }
        metrics.unreadable("other");
        log.error("Unreadable record on internal topic {} (partition {}, offset {}): {}; stopping",
                context.topic(), context.partition(), context.offset(), problem.getMessage());
        return Response.fail();
    }
}
