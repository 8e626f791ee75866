package org.erasure.e2e.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.erasure.devstack.seed.SampleWorld;

/**
 * Submits erasure requests as the upstream service does: {@code POST /v1/erasures} on ingest with a
 * bearer token and an Idempotency-Key, retrying (same key, same body) while ingest answers 5xx or
 * cannot be reached, e.g. while the Kafka broker restarts.
 */
final class IngestClient {

    /** One accepted request: what ingest answered and when (System.nanoTime). */
    record Accepted(UUID requestId, String contributorId, String status, long atNanos) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final String token;
    private final Duration giveUpAfter;
    private volatile int retries;

    IngestClient(int port, String token, Duration giveUpAfter) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/v1/erasures");
        this.token = token;
        this.giveUpAfter = giveUpAfter;
    }

    /** Submits one upload (a JSON array) of EXECUTE requests for every phase; returns what ingest accepted. */
    List<Accepted> submit(List<SampleWorld.Contributor> contributors) throws InterruptedException {
        List<Map<String, Object>> items = new ArrayList<>();
        for (SampleWorld.Contributor c : contributors) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("contributorId", Long.toString(c.id()));
            item.put("identifiers", Map.of("emails", List.of(c.email()), "workerIds", List.of(c.workerId())));
            item.put("reason", "INACTIVITY_PURGE");
            item.put("mode", "EXECUTE");
            items.add(item);
        }
        String body;
        try {
            body = JSON.writeValueAsString(items);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String key = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        String lastProblem = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    return accepted(response.body(), System.nanoTime());
                }
                if (response.statusCode() < 500 && response.statusCode() != 409) {
                    throw new IllegalStateException("ingest refused an upload: " + response.statusCode() + " " + response.body());
                }
                lastProblem = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            retries++;
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos()); // back off before the same upload again
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        throw new IllegalStateException("ingest did not accept an upload within " + giveUpAfter + "; last answer: " + lastProblem);
    }

    /** Uploads answered with 5xx or not answered, then sent again. */
    int retries() {
        return retries;
    }

    private static List<Accepted> accepted(String body, long at) {
        try {
            List<Accepted> out = new ArrayList<>();
            for (JsonNode r : JSON.readTree(body).path("requests")) {
                out.add(new Accepted(UUID.fromString(r.path("requestId").asText()), r.path("contributorId").asText(),
                        r.path("status").asText(), at));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable ingest answer: " + body, e);
        }
    }
}
