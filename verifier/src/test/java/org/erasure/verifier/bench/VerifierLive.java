package org.erasure.verifier.bench;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.verifier.config.VerifierConfig;

/**
 * A running verifier on the dev-stack broker gets N bulk requests at once, then their STARTED and result
 * reports in chunks of 500 per sink every 0.5 s (as from sinks), and one account closure (request and
 * reports on the interactive lane) after 2,000 of them. Prints when each was published; the verifier's
 * log says when it received and sealed them. Not a test: run its main (arg: N) with the heavy lock held,
 * e.g. beside busy loops to see the lanes under CPU contention.
 */
public final class VerifierLive {
    static final int CHUNK = 500;

    /** The closure's request and its five results, on the interactive lane. */
    static void sendInteractive(KafkaProducer<String, String> producer, Topics topics, ContributorErasureRequested closure) {
        producer.send(new ProducerRecord<>(topics.requests(), closure.kafkaKey(), EventJson.writeString(closure)));
        for (Phase p : closure.systems()) {
            PhaseCompleted report = Events.report(closure, p, PhaseStatus.SUCCEEDED, 1);
            producer.send(new ProducerRecord<>(topics.phaseCompletions(), report.kafkaKey(), EventJson.writeString(report)));
        }
        producer.flush();
    }

    /** STARTED then result reports of every phase for {@code requests}, on the bulk lane, as sinks write them. */
    static void sendReports(KafkaProducer<String, String> producer, Topics topics, List<ContributorErasureRequested> requests) {
        for (PhaseStatus status : List.of(PhaseStatus.STARTED, PhaseStatus.SUCCEEDED)) {
            for (ContributorErasureRequested r : requests) {
                for (Phase p : r.systems()) {
                    PhaseCompleted report = status == PhaseStatus.STARTED
                            ? PhaseCompleted.builder().forRequest(r).phase(p).status(status).attempt(1)
                                    .startedAt(r.requestedAt()).completedAt(r.requestedAt())
                                    .sink("sink-" + p.name().toLowerCase(java.util.Locale.ROOT), "live")
                                    .targets(org.erasure.events.TargetResult.erased(p.name().toLowerCase(java.util.Locale.ROOT) + "-target", 3, 2, 0)).build()
                            : Events.report(r, p, status, 1);
                    producer.send(new ProducerRecord<>(topics.phaseCompletionsBulk(), report.kafkaKey(), EventJson.writeString(report)));
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path work = Files.createTempDirectory("verifier-live");
        try (KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"))) {
            Topics topics = Topics.withPrefix("");
            kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions()));
            Map<String, Object> s = new HashMap<>();
            s.put("verifier.application-id", "vlive");
            s.put("verifier.bootstrap-servers", kafka.bootstrapServers());
            s.put("verifier.partitions", 3);
            s.put("verifier.state-dir", work.resolve("state").toString());
            s.put("verifier.digest-key", "bench-digest-key-0123456789");
            s.put("verifier.http.port", 0);
            try (VerifierService verifier = VerifierService.start(VerifierConfig.from(ConfigFactory.parseMap(s)));
                 KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
                // Publish once the verifier runs (its group joined), so the timings start from a running verifier.
                org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2))
                        .until(() -> verifier.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
                System.err.println(Instant.now() + " LIVE publishing " + n + " bulk requests");
                List<ContributorErasureRequested> requests = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ContributorErasureRequested r = Events.request("c-" + i, Instant.now()).reason(ErasureReason.INACTIVITY_PURGE).systems(Phase.all()).build();
                    requests.add(r);
                    producer.send(new ProducerRecord<>(topics.requestsBulk(), r.kafkaKey(), EventJson.writeString(r)));
                }
                producer.flush();
                System.err.println(Instant.now() + " LIVE requests published; reports follow in chunks of 500 per sink every 0.5 s");
                ContributorErasureRequested closure = Events.request("closing", Instant.now()).systems(Phase.all()).build();
                int chunks = (n + CHUNK - 1) / CHUNK;
                java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(chunks);
                java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.ScheduledExecutorService pace = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                pace.scheduleAtFixedRate(() -> {
                    int chunk = next.getAndIncrement();
                    if (chunk < chunks) {
                        if (chunk * CHUNK == 2000) {
                            System.err.println(Instant.now() + " LIVE closure " + closure.requestId());
                            sendInteractive(producer, topics, closure);
                        }
                        sendReports(producer, topics, requests.subList(chunk * CHUNK, Math.min(n, (chunk + 1) * CHUNK)));
                        sent.countDown();
                    }
                }, 0, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
                sent.await();
                pace.shutdown();
                producer.flush();
                System.err.println(Instant.now() + " LIVE reports published");
                int read = VerifierBurst.readCompletions(kafka, topics.completions(), n, Duration.ofMinutes(5));
                System.err.println(Instant.now() + " LIVE read " + read + " completions");
            }
        }
    }
}
