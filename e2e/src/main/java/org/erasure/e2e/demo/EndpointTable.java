package org.erasure.e2e.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every address of a running main job in one place: ingest (URL and the run's bearer token), the
 * verifier and its status page, each sink's /health and /metrics, Kafka and every store, as a table
 * for the console and as JSON for scripts. Holds addresses and the run's dev credentials only.
 */
public final class EndpointTable {
    /** File name of the JSON, written next to the generated erasurectl.conf. */
    public static final String FILE_NAME = "endpoints.json";

    private record Line(String label, Map<String, String> values) {}

    /** Sections in print order, whatever the order of the calls: ingest, verifier, sinks, kafka, stores, logs. */
    private static final List<String> SECTIONS = List.of("ingest", "verifier", "sinks", "kafka", "stores", "logs");

    private final Map<String, Object> json = new LinkedHashMap<>();
    private final Map<String, Object> sinks = new LinkedHashMap<>();
    private final Map<String, Object> stores = new LinkedHashMap<>();
    private final Map<String, List<Line>> lines = new LinkedHashMap<>();

    public EndpointTable ingest(String url, String token, Path erasurectlConfig) {
        Map<String, String> values = ordered("url", url, "token", token, "health", url + "/health", "metrics", url + "/metrics",
                "erasurectlConfig", erasurectlConfig.toString());
        json.put("ingest", values);
        add("ingest", new Line("ingest", ordered("url", url, "token", token)));
        add("ingest", new Line("", ordered("erasurectl config", erasurectlConfig.toString())));
        return this;
    }

    public EndpointTable verifier(String url) {
        json.put("verifier", ordered("url", url, "statusPage", url + "/status", "statusData", url + "/status/data",
                "health", url + "/health", "metrics", url + "/metrics"));
        add("verifier", new Line("verifier", ordered("url", url, "health", url + "/health", "metrics", url + "/metrics")));
        add("verifier", new Line("status page", ordered("url", url + "/status")));
        return this;
    }

    public EndpointTable sink(String name, String url) {
        sinks.put(name, ordered("health", url + "/health", "metrics", url + "/metrics"));
        json.putIfAbsent("sinks", sinks);
        add("sinks", new Line(name, ordered("health", url + "/health", "metrics", url + "/metrics")));
        return this;
    }

    /** A dev-stack server (kafka goes to its own key, the others under "stores"), with its version. */
    public EndpointTable server(String name, String version, Map<String, String> endpoints) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("version", version);
        values.putAll(endpoints);
        if (name.equals("kafka")) {
            json.put("kafka", values);
        } else {
            stores.put(name, values);
            json.putIfAbsent("stores", stores);
        }
        Map<String, String> printed = new LinkedHashMap<>(endpoints);
        printed.put("version", version); // last: some versions are long ("s3proxy 4.1.0 (in-memory, …)")
        add(name.equals("kafka") ? "kafka" : "stores", new Line(name, printed));
        return this;
    }

    public EndpointTable logs(Path dir) {
        json.put("logs", dir.toString());
        add("logs", new Line("logs", ordered("dir", dir.toString())));
        return this;
    }

    /** The table, one line per endpoint group, preceded by where the JSON is. */
    public String text(Path jsonFile) {
        StringBuilder out = new StringBuilder("Endpoints (also in ").append(jsonFile).append("):\n");
        for (Line line : SECTIONS.stream().flatMap(section -> lines.getOrDefault(section, List.of()).stream()).toList()) {
            String values = line.values().entrySet().stream()
                    .map(e -> e.getKey().equals("url") || e.getKey().equals("dir") ? e.getValue() : e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining("   "));
            out.append(String.format("  %-22s %s%n", line.label(), values));
        }
        return out.toString();
    }

    /** The JSON's content: the sections present, in {@link #SECTIONS} order. */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        SECTIONS.stream().filter(json::containsKey).forEach(section -> out.put(section, json.get(section)));
        return out;
    }

    /** Writes the JSON (pretty-printed) and returns the file. */
    public Path write(Path file) throws IOException {
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(asMap()) + "\n");
        return file;
    }

    private void add(String section, Line line) {
        lines.computeIfAbsent(section, k -> new ArrayList<>()).add(line);
    }

    private static Map<String, String> ordered(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
