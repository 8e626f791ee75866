package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.erasure.verifier.it.BrokerSupport.*;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierMain;
import org.erasure.events.integrity.ChainAudit;
import org.erasure.verifier.chain.ChainAuditor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A verifier in a child JVM is killed with SIGKILL mid-run; a new one (fresh state directory, so
 * its state and chain heads come back from the changelogs) takes over. Exactly one record per
 * request, none lost, and the chain still verifies.
 */
@DevStackTest
class HardKillRestartTest {
    private static final Logger log = LoggerFactory.getLogger(HardKillRestartTest.class);
    static final int PARTITIONS = 3;
    static final int BEFORE_KILL = 400;
    static final int WHILE_DOWN = 100;

    @TempDir
    Path dir;

    @Test
    void aVerifierKilledMidRunAndRestartedNeitherDuplicatesNorLosesRecords(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, PARTITIONS);
        Topics topics = topics(names);
        List<ContributorErasureRequested> requests = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer(kafka)) {
            publish(producer, topics, requests, BEFORE_KILL);
            producer.flush();
        }

        Process first = startChild(kafka, names, "first");
        int atKill;
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> audit(kafka, topics).records() >= 20);
        } finally {
            first.destroyForcibly(); // SIGKILL: no commit, no close, an open transaction left behind
            first.waitFor(30, TimeUnit.SECONDS);
        }
        atKill = audit(kafka, topics).records();
        log.info("Killed the first verifier with {} of {} records committed", atKill, BEFORE_KILL);

        try (KafkaProducer<String, String> producer = producer(kafka)) {
            publish(producer, topics, requests, WHILE_DOWN);
        }

        Process second = startChild(kafka, names, "second");
        try {
            List<Read> out = readCompletions(kafka, topics.completions(), requests.size(), Duration.ofSeconds(120));
            Map<String, Long> perRequest = out.stream().collect(Collectors.groupingBy(r -> r.record().requestId().toString(), Collectors.counting()));
            assertThat(perRequest).hasSize(requests.size());
            assertThat(perRequest.values()).allMatch(n -> n == 1);
            assertThat(out).extracting(r -> r.record().revision()).containsOnly(1);
            assertThat(out.stream().map(Read::record).map(ErasureCompleted::requestId).collect(Collectors.toSet()))
                    .isEqualTo(requests.stream().map(ContributorErasureRequested::requestId).collect(Collectors.toSet()));
            ChainAudit.Report audit = audit(kafka, topics);
            assertThat(audit.ok()).as(audit.summary()).isTrue();
            log.info("After restart: {} records, chain OK; {} were committed before the kill", audit.records(), atKill);
        } finally {
            second.destroy(); // SIGTERM: graceful shutdown
            boolean exited = second.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                second.destroyForcibly();
            }
            assertThat(exited).as("graceful shutdown on SIGTERM").isTrue();
        }
    }

    private static ChainAudit.Report audit(KafkaBroker kafka, Topics topics) {
        return ChainAuditor.audit(kafka.clientConfig(), topics.completions(), Duration.ofSeconds(30));
    }

    private static void publish(KafkaProducer<String, String> producer, Topics topics, List<ContributorErasureRequested> requests, int n) {
        int base = requests.size();
        for (int i = 0; i < n; i++) {
            ContributorErasureRequested r = Events.request("c-" + (base + i), Instant.now()).build();
            requests.add(r);
            send(producer, topics, r);
            for (Phase p : Phase.values()) {
                send(producer, topics, Events.report(r, p, PhaseStatus.SUCCEEDED, 1));
            }
        }
    }

    private Process startChild(KafkaBroker kafka, TestNames names, String label) throws IOException {
        Map<String, Object> settings = settings(kafka, names, PARTITIONS, dir.resolve("state-" + label));
        StringBuilder conf = new StringBuilder();
        settings.forEach((k, v) -> conf.append(k).append(" = ").append(v instanceof String s ? quote(s) : v).append('\n'));
        Path file = dir.resolve(label + ".conf");
        Files.writeString(file, conf);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), VerifierMain.class.getName(), "--config", file.toString());
        File logFile = dir.resolve(label + ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(logFile);
        log.info("Starting {} verifier, log {}", label, logFile);
        return pb.start();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

}
