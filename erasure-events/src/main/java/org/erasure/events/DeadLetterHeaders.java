package org.erasure.events;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * Header names for records routed to a dead-letter topic, so every service writes the same ones.
 * Values are PII-free by construction: they come from {@link EventFormatException#field()} and
 * {@link EventFormatException#problem()}, never from the payload.
 */
public final class DeadLetterHeaders {
    public static final String FIELD = "erasure.dlq.field";
    public static final String PROBLEM = "erasure.dlq.problem";
    public static final String EXCEPTION = "erasure.dlq.exception";
    public static final String SOURCE_TOPIC = "erasure.dlq.source.topic";
    public static final String SOURCE_PARTITION = "erasure.dlq.source.partition";
    public static final String SOURCE_OFFSET = "erasure.dlq.source.offset";

    private DeadLetterHeaders() {}

    /** Adds the standard dead-letter headers describing {@code e} and the source record. */
    public static Headers add(Headers headers, EventFormatException e, String sourceTopic, int partition, long offset) {
        headers.add(FIELD, utf8(e.field()));
        headers.add(PROBLEM, utf8(e.problem()));
        headers.add(EXCEPTION, utf8(e.getClass().getName()));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return headers;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
