package org.erasure.sink.kafka;

import java.nio.file.Path;
import org.erasure.sink.runtime.testkit.LogScan;
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
        LogScan.assertNoSeededEmailIn(Path.of("target", "test-logs"));
    }
}
