package org.erasure.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's endpoint table: one line per group on the console, the same addresses under stable keys in JSON. */
class EndpointTableTest {

    @Test
    void tableAndJsonNameEveryEndpoint(@TempDir Path dir) throws Exception {
        Map<String, String> pg = new LinkedHashMap<>();
        pg.put("jdbc", "jdbc:postgresql://127.0.0.1:5433/postgres");
        pg.put("user", "postgres");
        pg.put("password", "postgres");
        EndpointTable table = new EndpointTable()
                .ingest("http://127.0.0.1:8101", "0a1b2c", dir.resolve("erasurectl.conf"))
                .verifier("http://127.0.0.1:8102")
                .sink("sink-postgres", "http://127.0.0.1:8103")
                .sink("sink-redis", "http://127.0.0.1:8104")
                .server("postgres", "17.6", pg)
                .server("kafka", "4.3.1", Map.of("bootstrap", "127.0.0.1:9092"))
                .logs(dir);
        Path json = table.write(dir.resolve(EndpointTable.FILE_NAME));
        String text = table.text(json);

        assertThat(text.lines()).first().isEqualTo("Endpoints (also in " + json + "):");
        assertThat(text).contains("  ingest                 http://127.0.0.1:8101   token 0a1b2c\n")
                .contains("erasurectl config " + dir.resolve("erasurectl.conf"))
                .contains("  status page            http://127.0.0.1:8102/status\n")
                .contains("  sink-redis             health http://127.0.0.1:8104/health   metrics http://127.0.0.1:8104/metrics\n")
                .contains("  kafka                  bootstrap 127.0.0.1:9092   version 4.3.1\n")
                .containsSubsequence("  kafka ", "  postgres ", "  logs ")
                .contains("  postgres               jdbc jdbc:postgresql://127.0.0.1:5433/postgres   user postgres   password postgres   version 17.6\n");

        JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.fieldNames()).toIterable().containsExactly("ingest", "verifier", "sinks", "kafka", "stores", "logs");
        assertThat(node.at("/ingest/url").asText()).isEqualTo("http://127.0.0.1:8101");
        assertThat(node.at("/ingest/token").asText()).isEqualTo("0a1b2c");
        assertThat(node.at("/ingest/erasurectlConfig").asText()).isEqualTo(dir.resolve("erasurectl.conf").toString());
        assertThat(node.at("/verifier/statusPage").asText()).isEqualTo("http://127.0.0.1:8102/status");
        assertThat(node.at("/verifier/statusData").asText()).isEqualTo("http://127.0.0.1:8102/status/data");
        assertThat(node.at("/sinks").fieldNames()).toIterable().containsExactly("sink-postgres", "sink-redis");
        assertThat(node.at("/sinks/sink-postgres/metrics").asText()).isEqualTo("http://127.0.0.1:8103/metrics");
        assertThat(node.at("/kafka/bootstrap").asText()).isEqualTo("127.0.0.1:9092");
        assertThat(node.at("/stores/postgres/version").asText()).isEqualTo("17.6");
        assertThat(node.at("/stores/postgres/jdbc").asText()).startsWith("jdbc:postgresql://");
    }
}
