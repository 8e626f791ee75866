package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.erasure.devstack.seed.SampleWorld;

/**
 * "No PII outside the stores", checked on real output: tests register every email they seed or
 * send; a last test scans every log file of the module's test run (the test JVM's and the child
 * sink JVMs', written to {@code target/test-logs} by the module's logback-test.xml) for them.
 */
public final class LogScan {

    /** Emails seeded or sent by this test JVM. */
    public static final Set<String> SEEDED_EMAILS = ConcurrentHashMap.newKeySet();

    private LogScan() {}

    public static void remember(Collection<String> emails) {
        SEEDED_EMAILS.addAll(emails);
    }

    /** Asserts that no file in {@code dir} quotes a remembered email or an address at the seeded domain. */
    public static void assertNoSeededEmailIn(Path dir) throws IOException {
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
            for (String email : SEEDED_EMAILS) {
                if (text.contains(email)) {
                    hits.add(file.getFileName() + ": " + email.replaceAll("^(.).*@", "$1…@"));
                }
            }
            if (text.contains("@" + SampleWorld.EMAIL_DOMAIN)) {
                hits.add(file.getFileName() + ": an address at the seeded domain");
            }
        }
        System.out.printf("MEASURED log scan: %d file(s), %d line(s), %d seeded email(s) searched%n",
                files.size(), lines, SEEDED_EMAILS.size());
        assertThat(hits).as("log lines quoting seeded emails").isEmpty();
        if (!SEEDED_EMAILS.isEmpty()) {
            assertThat(sawRequestMdc).as("logs carry requestId and contributorId").isTrue();
        }
    }
}
