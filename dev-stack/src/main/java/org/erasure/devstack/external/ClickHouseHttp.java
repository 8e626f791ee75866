package org.erasure.devstack.external;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** One statement per call over ClickHouse's HTTP interface; the response body (TabSeparated) is returned. */
final class ClickHouseHttp implements UnaryOperator<String> {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI url;
    private final String user;
    private final String password;

    ClickHouseHttp(String url, String user, String password) {
        this.url = URI.create(url.endsWith("/") ? url : url + "/");
        this.user = user;
        this.password = password == null ? "" : password;
    }

    @Override
    public String apply(String sql) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .header("X-ClickHouse-User", user)
                .header("X-ClickHouse-Key", password)
                .timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse at " + url + " answered " + response.statusCode() + ": "
                        + response.body().strip());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("ClickHouse at " + url + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a ClickHouse statement", e);
        }
    }
}
