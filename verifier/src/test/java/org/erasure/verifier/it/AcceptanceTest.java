package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.it.BrokerSupport.*;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.events.integrity.ChainAudit;
import org.erasure.verifier.chain.ChainAuditor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptance: 1,000 requests with their phase reports (a mix of outcomes, some reports
 * before their request, some redelivered) → 1,000 records with the right outcomes; the chain
 * verifies; a modified record, or a removed one, in a copy of the topic is detected at its place.
 */
@DevStackTest
class AcceptanceTest {
    private static final Logger log = LoggerFactory.getLogger(AcceptanceTest.class);
    static final int PARTITIONS = 3;
    static final int REQUESTS = 1000;

    @TempDir
    Path stateDir;

    static Outcome expected(int i) {
        int k = i % 20;
        if (k < 12) return Outcome.COMPLETED;
        if (k < 17) return Outcome.FAILED;     // 12-14 a failed phase, 15-16 residual left
        if (k < 19) return Outcome.DRY_RUN;
        return Outcome.TIMED_OUT;              // 19: two phases never report
    }

    @Test
    void thousandRequestsGiveThousandRightRecordsAndTamperingIsDetected(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, PARTITIONS);
        Topics topics = topics(names);
        Map<UUID, Outcome> expected = new HashMap<>();
        try (VerifierService verifier = VerifierService.start(config(settings(kafka, names, PARTITIONS, stateDir)))) {
            Instant start = Instant.now();
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                for (int i = 0; i < REQUESTS; i++) {
                    Outcome outcome = expected(i);
                    ContributorErasureRequested.Builder b = Events.request("c-" + i, Instant.now());
                    if (outcome == Outcome.DRY_RUN) b.mode(Mode.DRY_RUN);
                    if (outcome == Outcome.TIMED_OUT) b.deadline(Instant.now().plusSeconds(8));
                    ContributorErasureRequested r = b.build();
                    expected.put(r.requestId(), outcome);
                    List<PhaseCompleted> reports = reports(r, i, outcome);
                    boolean reportsFirst = i % 7 == 0;
                    if (!reportsFirst) send(producer, topics, r);
                    reports.forEach(p -> send(producer, topics, p));
                    if (i % 5 == 0) send(producer, topics, reports.getFirst()); // redelivery
                    if (reportsFirst) send(producer, topics, r);
                }
            }
            Duration published = Duration.between(start, Instant.now());
            List<Read> out = readCompletions(kafka, topics.completions(), REQUESTS, Duration.ofSeconds(180));
            Duration took = Duration.between(start, Instant.now()).minusSeconds(2); // minus the quiet period
            log.info("Acceptance: published {} requests + reports in {} ms; {} records in {} ms (incl. the 8 s deadline of the TIMED_OUT ones)",
                    REQUESTS, published.toMillis(), out.size(), took.toMillis());

            assertThat(out).hasSize(REQUESTS);
            Map<UUID, ErasureCompleted> byId = out.stream().map(Read::record)
                    .collect(Collectors.toMap(ErasureCompleted::requestId, c -> c));
            assertThat(byId).hasSize(REQUESTS);
            byId.forEach((id, c) -> {
                assertThat(c.outcome()).as(id.toString()).isEqualTo(expected.get(id));
                assertThat(c.revision()).isEqualTo(1);
            });
            Predicate<ErasureCompleted> timedOut = c -> c.outcome() == Outcome.TIMED_OUT;
            assertThat(byId.values().stream().filter(timedOut)).allMatch(c -> c.missingPhases().equals(Set.of(Phase.S3, Phase.REDIS)));
            assertThat(byId.values().stream().filter(c -> c.outcome() == Outcome.DRY_RUN)).allMatch(c -> c.totals().wouldDelete() == 3L * Phase.known().size());

            long auditStart = System.nanoTime();
            ChainAudit.Report audit = ChainAuditor.audit(kafka.clientConfig(), topics.completions(), Duration.ofSeconds(30));
            log.info("Audit of {} records took {} ms", audit.records(), (System.nanoTime() - auditStart) / 1_000_000);
            assertThat(audit.ok()).as(audit.summary()).isTrue();
            assertThat(audit.records()).isEqualTo(REQUESTS);

            // A copy with one record modified after sealing: HASH_MISMATCH exactly there.
            Map<Integer, List<ErasureCompleted>> byPartition = new HashMap<>();
            out.stream().sorted((x, y) -> Long.compare(x.offset(), y.offset()))
                    .forEach(r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.record()));
            String modifiedCopy = names.topic("tampered");
            ErasureCompleted victim = byPartition.get(1).get(10);
            Map<Integer, Map<Integer, Long>> offsets = copy(kafka, byPartition, modifiedCopy, (partition, index, c) ->
                    partition == 1 && index == 10 ? withCompletedAt(c, c.completedAt().plusSeconds(1)) : c);
            ChainAudit.Report tampered = ChainAuditor.audit(kafka.clientConfig(), modifiedCopy, Duration.ofSeconds(30));
            log.info("Tampered copy:\n{}", tampered.summary());
            assertThat(tampered.ok()).isFalse();
            assertThat(tampered.breaks()).containsExactly(new ChainAudit.Break(1, offsets.get(1).get(10), 10, victim.requestId().toString(),
                    ChainAudit.Problem.HASH_MISMATCH, tampered.breaks().getFirst().message()));

            // A copy with one record removed: the next record's link is broken.
            String removedCopy = names.topic("removed");
            offsets = copy(kafka, byPartition, removedCopy, (partition, index, c) -> partition == 2 && index == 5 ? null : c);
            ChainAudit.Report removed = ChainAuditor.audit(kafka.clientConfig(), removedCopy, Duration.ofSeconds(30));
            assertThat(removed.breaks()).hasSize(1);
            ChainAudit.Break gap = removed.breaks().getFirst();
            assertThat(gap.partition()).isEqualTo(2);
            assertThat(gap.offset()).isEqualTo(offsets.get(2).get(6));
            assertThat(gap.problem()).isEqualTo(ChainAudit.Problem.LINK_BROKEN);
            assertThat(gap.requestId()).isEqualTo(byPartition.get(2).get(6).requestId().toString());
        }
    }

    private static List<PhaseCompleted> reports(ContributorErasureRequested r, int i, Outcome outcome) {
        List<PhaseCompleted> out = new ArrayList<>();
        int k = i % 20;
        for (Phase p : Phase.values()) {
            switch (outcome) {
                case COMPLETED -> out.add(Events.report(r, p, PhaseStatus.SUCCEEDED, 1));
                case FAILED -> out.add(k < 15
                        ? Events.report(r, p, p == Phase.CLICKHOUSE ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, 1)
                        : Events.report(r, p, PhaseStatus.SUCCEEDED, 1, p == Phase.ELASTICSEARCH ? 3 : 0));
                case DRY_RUN -> out.add(Events.report(r, p, PhaseStatus.DRY_RUN, 1));
                case TIMED_OUT -> {
                    if (!Set.of(Phase.S3, Phase.REDIS).contains(p)) out.add(Events.report(r, p, PhaseStatus.SUCCEEDED, 1));
                }
            }
        }
        return out;
    }

    interface Tamper {
        /** @return the record to write instead, or null to drop it */
        ErasureCompleted apply(int partition, int index, ErasureCompleted record);
    }

    /** Copies records partition by partition; returns partition → index → offset in the copy (of the original index). */
    private static Map<Integer, Map<Integer, Long>> copy(KafkaBroker kafka, Map<Integer, List<ErasureCompleted>> byPartition, String topic, Tamper tamper) throws Exception {
        kafka.createTopics(PARTITIONS, List.of(topic));
        Map<Integer, Map<Integer, Long>> offsets = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer(kafka)) {
            for (Map.Entry<Integer, List<ErasureCompleted>> e : byPartition.entrySet()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    ErasureCompleted c = tamper.apply(e.getKey(), i, e.getValue().get(i));
                    if (c == null) continue;
                    RecordMetadata m = producer.send(new ProducerRecord<>(topic, e.getKey(), c.kafkaKey(), EventJson.writeString(c))).get();
                    offsets.computeIfAbsent(e.getKey(), p -> new HashMap<>()).put(i, m.offset());
                }
            }
        }
        return offsets;
    }

    private static ErasureCompleted withCompletedAt(ErasureCompleted c, Instant completedAt) {
        return new ErasureCompleted(c.schemaVersion(), c.requestId(), c.contributorId(), c.subjectDigest(), c.outcome(), c.mode(),
                c.phases(), c.missingPhases(), c.failedPhases(), c.totals(), c.requestedAt(), completedAt, c.revision(),
                c.replayOf(), c.previousHash(), c.hash());
    }
}
