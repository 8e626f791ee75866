package org.erasure.verifier.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.EventFormatException;
import org.erasure.events.Topics;
import org.junit.jupiter.api.Test;

class DeadLetterHandlerTest {
    final Topics topics = Topics.withPrefix("t.");
    final DeadLetterHandler handler = new DeadLetterHandler();

    record Context(String topic, int partition, long offset) implements ErrorHandlerContext {
        public Headers headers() { return new RecordHeaders(); }
        public String processorNodeId() { return "source"; }
        public TaskId taskId() { return new TaskId(0, partition); }
        public long timestamp() { return 0; }
        public byte[] sourceRawKey() { return null; }
        public byte[] sourceRawValue() { return null; }
    }

    DeserializationExceptionHandler.Response handle(String topic) {
        handler.configure(Map.of(DeadLetterHandler.TOPIC_PREFIX_CONFIG, "t."));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(topic, 2, 41, "k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
        return handler.handleError(new Context(topic, 2, 41), record, new EventFormatException("requestId", "missing"));
    }

    @Test
    void phaseCompletionsGoToTheirDeadLetterTopicWithTheStandardHeaders() {
        DeserializationExceptionHandler.Response response = handle(topics.phaseCompletions());
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().getFirst();
        assertThat(dead.topic()).isEqualTo("t.erasure.phase-completions.dlq");
        assertThat(dead.value()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.FIELD).value(), StandardCharsets.UTF_8)).isEqualTo("requestId");
        assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.SOURCE_OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("41");
    }

    @Test
    void requestsAreSkippedAndInternalTopicsStopTheApplication() {
        assertThat(handle(topics.requests()).result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(handle(topics.requests()).deadLetterQueueRecords()).isEmpty();
        assertThat(handle("erasure-verifier.replay-lineage").result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    }
}
