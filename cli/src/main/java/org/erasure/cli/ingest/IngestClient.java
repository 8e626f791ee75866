package org.erasure.cli.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.ExitCode;

/** Talks to the ingest service; maps its answers to exit codes. */
public final class IngestClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String baseUrl;
    private final String token;
    private final Duration timeout;

    public IngestClient(String baseUrl, String token, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.baseUrl = baseUrl;
        this.token = token;
        this.timeout = timeout;
    }

    /** POST /v1/erasures/csv; returns the 202 body. Validation errors end the command with exit 2. */
    public JsonNode submitCsv(byte[] csv, String mode, String reason, UUID idempotencyKey) {
        HttpRequest request = authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/erasures/csv?mode="
                        + enc(mode) + "&reason=" + enc(reason))))
                .header("Content-Type", "text/csv; charset=utf-8")
                .header("Idempotency-Key", idempotencyKey.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(csv)).build();
        HttpResponse<String> r = send(request);
        JsonNode body = parse(r.body());
        if (r.statusCode() == 202) {
            return body;
        }
        if (r.statusCode() == 400 && body.has("errors")) {
            StringBuilder m = new StringBuilder("Rejected by ingest; nothing was published:");
            body.get("errors").forEach(e -> m.append(System.lineSeparator()).append("  ").append(e.path("message").asText()));
            throw new CliException(ExitCode.INVALID_INPUT, m.toString());
        }
        throw failure(r, body);
    }

    /** GET /v1/erasures/{id}; returns the verifier's JSON. */
    public JsonNode status(UUID requestId) {
        HttpResponse<String> r = send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/erasures/" + requestId))).GET().build());
        JsonNode body = parse(r.body());
        if (r.statusCode() == 200) {
            return body;
        }
        throw failure(r, body);
    }

    /** POST /v1/erasures/{id}/restore (role admin); returns ingest's answer (the RESTORE request's id, replayOf). */
    public JsonNode restore(UUID erasureId) {
        HttpResponse<String> r = send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/erasures/" + erasureId + "/restore")))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        JsonNode body = parse(r.body());
        if (r.statusCode() == 202) {
            return body;
        }
        if (r.statusCode() == 409) {
            throw new CliException(ExitCode.USAGE, "refused by ingest: " + body.path("error").asText("HTTP 409"));
        }
        throw failure(r, body);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        b.timeout(timeout);
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CliException(ExitCode.UNREACHABLE, "ingest at " + baseUrl + " is unreachable (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNREACHABLE, "interrupted");
        }
    }

    private static CliException failure(HttpResponse<String> r, JsonNode body) {
        String error = body.path("error").asText("HTTP " + r.statusCode());
        return switch (r.statusCode()) {
            case 401, 403 -> new CliException(ExitCode.NOT_AUTHORIZED, "ingest refused the token (HTTP " + r.statusCode() + "): " + error
                    + ". Set erasurectl.ingest.token or ERASURECTL_INGEST_TOKEN.");
            case 404 -> new CliException(ExitCode.NOT_FOUND, "not found: " + error);
            case 400, 413, 422 -> new CliException(ExitCode.INVALID_INPUT, "rejected by ingest (HTTP " + r.statusCode() + "): " + error);
            default -> new CliException(ExitCode.UNREACHABLE, "ingest answered HTTP " + r.statusCode() + ": " + error);
        };
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
