package org.erasure.client.coordination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/** The JSON of {@link ClaimRecord}s on the claims topic. */
final class ClaimCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClaimCodec() {}

    static String toJson(ClaimRecord record) {
        ObjectNode n = JSON.createObjectNode();
        n.put("callId", record.callId().toString());
        switch (record) {
            case ClaimRecord.Claim c -> {
                n.put("type", "CLAIM");
                n.put("idempotencyKey", c.idempotencyKey());
                n.put("fingerprint", c.fingerprint());
                ArrayNode subjects = n.putArray("subjects");
                c.subjects().stream().sorted().forEach(subjects::add);
                n.put("replica", c.replica());
            }
            case ClaimRecord.Done d -> {
                n.put("type", "DONE");
                n.put("idempotencyKey", d.idempotencyKey());
                if (d.response() != null) {
                    ObjectNode r = n.putObject("response");
                    r.put("status", d.response().status());
                    r.put("contentType", d.response().contentType());
                    r.put("body", d.response().body());
                }
            }
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException the value is not a claim record */
    static ClaimRecord fromJson(String value) {
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        UUID callId = UUID.fromString(n.path("callId").asText());
        String key = n.hasNonNull("idempotencyKey") ? n.get("idempotencyKey").asText() : null;
        return switch (n.path("type").asText()) {
            case "CLAIM" -> {
                Set<String> subjects = new LinkedHashSet<>();
                n.path("subjects").forEach(s -> subjects.add(s.asText()));
                yield new ClaimRecord.Claim(callId, key, n.hasNonNull("fingerprint") ? n.get("fingerprint").asText() : null,
                        subjects, n.path("replica").asText(""));
            }
            case "DONE" -> {
                JsonNode r = n.get("response");
                ClaimRecord.StoredResponse response = r == null || r.isNull() ? null
                        : new ClaimRecord.StoredResponse(r.path("status").asInt(), r.path("contentType").asText(), r.path("body").asText());
                yield new ClaimRecord.Done(callId, key, response);
            }
            default -> throw new IllegalArgumentException("unknown record type");
        };
    }
}
