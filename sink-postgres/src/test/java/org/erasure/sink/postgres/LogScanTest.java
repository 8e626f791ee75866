package org.erasure.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.erasure.devstack.seed.SampleWorld;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs last (class order): every log line written by this test JVM and by the child sink JVMs
 * (target/test-logs, see logback-test.xml) is scanned for the emails the tests seeded and sent.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

    @Test
    void noSeededEmailAppearsInAnyLogOutput() throws Exception {
        Path dir = Path.of("target", "test-logs");
        assertThat(dir).isDirectory();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".log") || p.toString().endsWith(".out")).toList();
        }
        assertThat(files).isNotEmpty();
        List<String> hits = new ArrayList<>();
        long lines = 0;
        boolean sawRequestMdc = false;
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            lines += text.lines().count();
            sawRequestMdc |= text.contains("\"requestId\":") && text.contains("\"contributorId\":");
            for (String email : PgFixture.SEEDED_EMAILS) {
                if (text.contains(email)) {
                    hits.add(file.getFileName() + ": " + email.replaceAll("^(.).*@", "$1…@"));
                }
            }
            if (text.contains("@" + SampleWorld.EMAIL_DOMAIN) || text.contains("@exämple.test")) {
                hits.add(file.getFileName() + ": an address at a seeded domain");
            }
        }
        System.out.printf("MEASURED log scan: %d file(s), %d line(s), %d seeded email(s) searched%n", files.size(), lines, PgFixture.SEEDED_EMAILS.size());
        assertThat(hits).as("log lines quoting seeded emails").isEmpty();
        if (!PgFixture.SEEDED_EMAILS.isEmpty()) {
            assertThat(sawRequestMdc).as("logs carry requestId and contributorId").isTrue();
        }
    }
}
