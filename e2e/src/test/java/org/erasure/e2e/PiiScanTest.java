package org.erasure.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.erasure.devstack.seed.SampleWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanner the whole-system tests end with finds what it must and names where, never the value. */
class PiiScanTest {

    @Test
    void findsSeededAddressesAndLastNamesAndNeverQuotesThem(@TempDir Path dir) throws Exception {
        String email = SampleWorld.email(4_107_000_001L);
        Files.writeString(dir.resolve("sink.log"), "{\"msg\":\"phase POSTGRES SUCCEEDED\",\"requestId\":\"x\"}\n");
        Files.createDirectories(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested/verifier.log"), "error near '" + email.toUpperCase() + "'\n");
        PiiScan scan = new PiiScan().files(dir)
                .text("GET /metrics", "erasure_sink_requests_total{status=\"SUCCEEDED\"} 5.0")
                .text("GET /erasures/1", "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"}");
        assertThat(scan.findings()).hasSize(2)
                .anySatisfy(f -> assertThat(f).endsWith("verifier.log: an address at the seeded domain"))
                .anySatisfy(f -> assertThat(f).isEqualTo("GET /erasures/1: a seeded contributor's last name"))
                .allSatisfy(f -> assertThat(f).doesNotContain(email).doesNotContainIgnoringCase("lovelace@"));
        assertThat(new PiiScan().text("ok", "Lovelaceish metadata, DijkstraAlgorithm, contributor.42@other.test").findings()).isEmpty();
    }
}
