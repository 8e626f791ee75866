package org.erasure.devstack.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless chromium for tests of HTML the project serves or writes. Two ways to use it:
 * {@link #dumpDom} loads a page, lets its scripts run and returns the DOM (a static report);
 * {@link #open} keeps a page open and evaluates JavaScript in it over the DevTools protocol
 * (a live page that refreshes itself, checked while the test changes what it shows).
 *
 * <p>Without chromium a test is skipped, except on CI (the {@code CI} variable is set), where
 * {@code scripts/test} installs it and a skipped browser check would be a silent gap.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COMMON_FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--window-size=1200,900");

    private final Process process;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** The chromium binary; skips the calling test when there is none (fails on CI). */
    public static Path binary() {
        Path binary = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser")).stream()
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (binary == null && System.getenv("CI") != null) {
            throw new AssertionError("chromium is installed (apt-get install -y chromium)");
        }
        Assumptions.assumeTrue(binary != null, "chromium is installed (apt-get install -y chromium)");
        return binary;
    }

    /** Loads {@code html}, runs its scripts, returns the DOM. */
    public static String dumpDom(Path html, Path workDir) throws IOException, InterruptedException {
        Path binary = binary();
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString()));
        command.addAll(COMMON_FLAGS);
        command.addAll(List.of("--user-data-dir=" + profile, "--dump-dom", html.toUri().toString()));
        Process p = new ProcessBuilder(command).redirectError(workDir.resolve("chromium.log").toFile()).start();
        byte[] dom = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish");
        }
        return new String(dom, StandardCharsets.UTF_8);
    }

    /**
     * Opens {@code url} in a headless chromium and connects to the page over the DevTools protocol.
     * Close it to stop the browser. Its log goes to {@code workDir/chromium.log}.
     */
    public static HeadlessChromium open(URI url, Path workDir) throws IOException, InterruptedException {
        Path binary = binary();
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString()));
        command.addAll(COMMON_FLAGS);
        command.addAll(List.of("--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "about:blank"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("chromium.log").toFile()).start();
        try {
            // chromium writes the port it chose (and the browser's path) to this file once it listens
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("chromium did not open its DevTools port (see " + workDir.resolve("chromium.log") + ")");
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).getFirst().strip());
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            while (pageSocket == null) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText()) && t.path("url").asText().equals("about:blank")) {
                        pageSocket = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (pageSocket == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("chromium has no blank page to start from");
                    }
                    LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
            }
            Listener listener = new Listener();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), listener).get(30, TimeUnit.SECONDS);
            HeadlessChromium browser = new HeadlessChromium(process, socket);
            listener.browser = browser;
            // Navigate from the blank page and return once the page has loaded (not the blank one).
            JsonNode navigated = browser.call("Page.navigate", JSON.createObjectNode().put("url", url.toString()));
            if (navigated.hasNonNull("errorText")) {
                browser.close();
                throw new IOException("chromium could not load " + url + ": " + navigated.get("errorText").asText());
            }
            String loaded = "document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(url.toString());
            while (!browser.evaluate(loaded).equals("true")) {
                if (System.nanoTime() > deadline) {
                    String at = browser.evaluate("location.href");
                    browser.close();
                    throw new IOException("chromium did not finish loading " + url + " (at " + at + ")");
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            return browser;
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("cannot connect to chromium's DevTools", e);
        }
    }

    /**
     * Evaluates a JavaScript expression in the page and returns its value as text (an object as
     * JSON); a thrown exception becomes an {@link IllegalStateException} with its description.
     */
    public String evaluate(String expression) throws IOException {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true).put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("page script failed: " + result.path("exceptionDetails").path("exception").path("description").asText(
                    result.path("exceptionDetails").path("text").asText()));
        }
        JsonNode value = result.path("result").path("value");
        return value.isTextual() ? value.asText() : value.toString();
    }

    /** The page's whole HTML as it is now (what its scripts made of it). */
    public String html() throws IOException {
        return evaluate("document.documentElement.outerHTML");
    }

    /** Saves what the page looks like now as a PNG (for a person reading a test's output). */
    public void screenshot(Path png) throws IOException {
        JsonNode shot = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true));
        Files.write(png, java.util.Base64.getDecoder().decode(shot.path("data").asText()));
    }

    private JsonNode call(String method, ObjectNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        answers.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        try {
            socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
            JsonNode response = answer.get(30, TimeUnit.SECONDS);
            if (response.has("error")) {
                throw new IOException(method + " failed: " + response.get("error"));
            }
            return response.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(method + " got no answer from chromium", e);
        } finally {
            answers.remove(id);
        }
    }

    /** Collects a message's frames; answers are matched to their call by id, events are ignored. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        volatile HeadlessChromium browser;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    JsonNode node = JSON.readTree(message);
                    HeadlessChromium b = browser;
                    CompletableFuture<JsonNode> answer = b == null || !node.has("id") ? null : b.answers.get(node.get("id").asInt());
                    if (answer != null) {
                        answer.complete(node);
                    }
                } catch (IOException unreadable) {
                    // not for us
                }
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        socket.abort();
        List<ProcessHandle> children = process.descendants().toList(); // zygote, renderers
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
