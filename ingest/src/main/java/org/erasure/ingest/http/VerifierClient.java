package org.erasure.ingest.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.UUID;

/** Asks the verifier for the status of a request: {@code GET {baseUrl}/erasures/{requestId}}. */
public final class VerifierClient {

    /** The verifier's answer; {@code status} 0 when it could not be reached. */
    public record Answer(int status, String body) {
        public boolean unreachable() {
            return status == 0;
        }
    }

    private final HttpClient client;
    private final String baseUrl;
    private final Duration timeout;

    public VerifierClient(String baseUrl, Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.baseUrl = baseUrl;
        this.timeout = timeout;
    }

    public Answer status(UUID requestId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/erasures/" + requestId))
                .timeout(timeout).header("Accept", "application/json").GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (HttpTimeoutException e) {
            return new Answer(0, "timeout");
        } catch (IOException e) {
            return new Answer(0, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "interrupted");
        }
    }
}
