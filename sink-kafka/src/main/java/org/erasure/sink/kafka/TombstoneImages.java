package org.erasure.sink.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.erasure.sink.kafka.LatestValues.Live;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.StoreException;

/**
 * Before-images of tombstones: per request and compacted topic, the latest record each tombstone hides (partition,
 * key bytes, value bytes, headers), JSON with base64 bytes, split into images of at most ~{@link #IMAGE_BYTES}.
 */
final class TombstoneImages {
    static final int IMAGE_BYTES = BeforeImage.MAX_BYTES;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Entry>> ENTRIES = new TypeReference<>() {};

    /** One header of a kept record. */
    record KeptHeader(String n, byte[] v) {}

    /** The latest record of key {@code k} in partition {@code p}: value {@code v}, headers {@code h}. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Entry(int p, byte[] k, byte[] v, List<KeptHeader> h) {
        RecordHeaders headers() {
            RecordHeaders headers = new RecordHeaders();
            h.forEach(x -> headers.add(x.n(), x.v()));
            return headers;
        }

        /** (key, partition): an entry kept twice (a re-run) is restored once. */
        String slot() {
            return p + ":" + Arrays.toString(k);
        }
    }

    private TombstoneImages() {}

    /** Images of what the EXECUTE owners' tombstones will hide in {@code topic}. */
    static List<BeforeImage> of(String topic, Map<String, Live> live) {
        Map<UUID, List<Entry>> byRequest = new LinkedHashMap<>();
        live.values().stream().filter(l -> !l.owner().dryRun()).forEach(l -> l.latest().forEach((partition, r) ->
                byRequest.computeIfAbsent(l.owner().requestId(), id -> new ArrayList<>()).add(entry(r))));
        List<BeforeImage> images = new ArrayList<>();
        byRequest.forEach((id, entries) -> images.addAll(BeforeImage.inParts(id, topic, entries,
                e -> 64 + base64(e.k().length) + base64(e.v().length)
                        + e.h().stream().mapToLong(x -> 32 + x.n().length() * 3L + (x.v() == null ? 0 : base64(x.v().length))).sum(),
                TombstoneImages::encode)));
        return images;
    }

    private static Entry entry(ConsumerRecord<byte[], byte[]> r) {
        List<KeptHeader> headers = new ArrayList<>();
        for (Header h : r.headers()) {
            headers.add(new KeptHeader(h.key(), h.value()));
        }
        return new Entry(r.partition(), r.key(), r.value(), headers);
    }

    private static long base64(int bytes) {
        return (bytes + 2L) / 3 * 4;
    }

    static byte[] encode(List<Entry> entries) {
        try {
            return JSON.writeValueAsBytes(entries);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a before-image", e);
        }
    }

    static List<Entry> decode(byte[] content) {
        try {
            return JSON.readValue(content, ENTRIES).stream()
                    .map(e -> new Entry(e.p(), e.k() == null ? new byte[0] : e.k(), e.v() == null ? new byte[0] : e.v(),
                            e.h() == null ? List.of() : e.h()))
                    .toList();
        } catch (IOException e) {
            throw new StoreException("KAFKA_IMAGE_UNREADABLE", "a before-image does not decode (" + e.getClass().getSimpleName() + ")");
        }
    }
}
