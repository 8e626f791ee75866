package org.erasure.e2e.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ErasureReason;

/** Submits erasure requests the way upstream callers do: ingest's HTTP API, with a bearer token. */
final class IngestHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUrl;
    private final String token;

    IngestHttp(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    /** One CSV upload ({@code contributor_id,email_address}, as fetch-inactive writes it) of EXECUTE requests; their request ids. */
    List<UUID> submitCsv(List<SampleWorld.Contributor> contributors, ErasureReason reason) {
        StringBuilder csv = new StringBuilder("contributor_id,email_address\n");
        contributors.forEach(c -> csv.append(c.id()).append(',').append(c.email()).append('\n'));
        JsonNode body = send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/erasures/csv?mode=EXECUTE&reason=" + reason.name()))
                .header("Content-Type", "text/csv; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(csv.toString(), StandardCharsets.UTF_8)));
        return requestIds(body, contributors.size());
    }

    /** One JSON request (identifiers resolved by ingest from PostgreSQL); its request id. */
    UUID submitOne(SampleWorld.Contributor contributor, ErasureReason reason) {
        ObjectNode request = JSON.createObjectNode()
                .put("contributorId", Long.toString(contributor.id()))
                .put("reason", reason.name())
                .put("mode", "EXECUTE");
        JsonNode body = send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/erasures"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString(), StandardCharsets.UTF_8)));
        return requestIds(body, 1).getFirst();
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("ingest answered HTTP " + response.statusCode() + ": "
                        + response.body().substring(0, Math.min(500, response.body().length())));
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("ingest is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting", e);
        }
    }

    /** Every item must be newly published: an EXISTING one would mean the world was not fresh. */
    private static List<UUID> requestIds(JsonNode body, int expected) {
        List<UUID> ids = new ArrayList<>();
        for (JsonNode r : body.path("requests")) {
            if (!"PUBLISHED".equals(r.path("status").asText())) {
                throw new IllegalStateException("ingest did not publish a request (status " + r.path("status").asText() + ")");
            }
            ids.add(UUID.fromString(r.path("requestId").asText()));
        }
        if (ids.size() != expected) {
            throw new IllegalStateException("ingest accepted " + ids.size() + " of " + expected + " requests");
        }
        return ids;
    }
}
