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
    /** Set (to the source value's size in bytes) when the dead letter carries no value: it would not fit. */
    public static final String VALUE_OMITTED = "erasure.dlq.value-omitted-bytes";

    /** Room kept for the record batch framing and the headers' own encoding. */
    private static final int RECORD_OVERHEAD = 1024;

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

    /**
     * Whether a dead letter of {@code key} + {@code value} with {@code headers} fits in one request of
     * {@code maxRequestBytes} (the producer's {@code max.request.size}). A record that nearly filled the
     * source topic's limit no longer fits once the headers are added; sending it anyway fails the
     * transaction, and the batch would be redone forever.
     */
    public static boolean fits(byte[] key, byte[] value, Headers headers, int maxRequestBytes) {
        long size = RECORD_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (var h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size <= maxRequestBytes;
    }

    /** Marks a dead letter sent without its value; the source headers say where the bytes still are. */
    public static Headers addValueOmitted(Headers headers, int valueBytes) {
        headers.add(VALUE_OMITTED, utf8(Integer.toString(valueBytes)));
        return headers;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
