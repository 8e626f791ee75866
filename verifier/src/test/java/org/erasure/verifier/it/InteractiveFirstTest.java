package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.it.BrokerSupport.*;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.ErasureReason;
import org.erasure.events.Outcome;
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
 * No head-of-line blocking in the verifier: a purge's requests and reports are queued on the bulk
 * lane, then one account closure and its reports on the interactive lane, all before the verifier
 * starts. The closure was written last, so in arrival order it would be sealed last; it must be
 * sealed while most of the purge is still waiting, and the purge must still be sealed in full,
 * on one intact chain.
 */
@DevStackTest
class InteractiveFirstTest {
    private static final Logger log = LoggerFactory.getLogger(InteractiveFirstTest.class);
    static final int PARTITIONS = 3;
    static final int PURGE = 3000;

    @TempDir
    Path stateDir;

    @Test
    void anAccountClosureIsSealedBeforeAQueuedPurge(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, PARTITIONS);
        Topics topics = topics(names);
        Set<UUID> purge = new HashSet<>();
        ContributorErasureRequested closure;
        try (KafkaProducer<String, String> producer = producer(kafka)) {
            for (int i = 0; i < PURGE; i++) {
                ContributorErasureRequested r = Events.request("purged-" + i, Instant.now()).reason(ErasureReason.INACTIVITY_PURGE).build();
                purge.add(r.requestId());
                producer.send(new ProducerRecord<>(topics.requestsBulk(), r.kafkaKey(), EventJson.writeString(r)));
                for (PhaseCompleted p : Events.all(r, PhaseStatus.SUCCEEDED)) {
                    producer.send(new ProducerRecord<>(topics.phaseCompletionsBulk(), p.kafkaKey(), EventJson.writeString(p)));
                }
            }
            closure = Events.request("closing-account", Instant.now()).reason(ErasureReason.ACCOUNT_CLOSED).build();
            send(producer, topics, closure);
            Events.all(closure, PhaseStatus.SUCCEEDED).forEach(p -> send(producer, topics, p));
            producer.flush();
        }

        try (VerifierService verifier = VerifierService.start(config(settings(kafka, names, PARTITIONS, stateDir)))) {
            List<Read> out = new ArrayList<>(readCompletions(kafka, topics.completions(), PURGE + 1, Duration.ofSeconds(240)));
            assertThat(out).hasSize(PURGE + 1);
            assertThat(out).allMatch(r -> r.record().outcome() == Outcome.COMPLETED);

            // Seal order is completedAt (wall clock of the verifier), across partitions.
            out.sort(Comparator.comparing((Read r) -> r.record().completedAt()).thenComparingLong(Read::offset));
            int closurePlace = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).record().requestId().equals(closure.requestId())) {
                    closurePlace = i;
                }
            }
            ErasureCompleted last = out.getLast().record();
            log.info("MEASURED interactive-first: the closure was sealed {} of {} ({} ms before the purge's last record)",
                    closurePlace + 1, out.size(), Duration.between(out.get(closurePlace).record().completedAt(), last.completedAt()).toMillis());
            assertThat(closurePlace).as("place of the account closure among %d records sealed", out.size())
                    .isBetween(0, PURGE / 2); // in arrival order it would be last (measured 2,958th without the lanes)
            assertThat(out.stream().map(r -> r.record().requestId()).filter(purge::contains).distinct()).hasSize(PURGE);

            ChainAudit.Report audit = ChainAuditor.audit(kafka.clientConfig(), topics.completions(), Duration.ofSeconds(30));
            assertThat(audit.ok()).as(audit.summary()).isTrue();
        }
    }
}
