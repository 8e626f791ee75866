package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.it.BrokerSupport.*;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Totals;
import org.erasure.events.integrity.ChainAudit;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.chain.ChainAuditor;
import org.erasure.events.Outcome;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.RequestKeys;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.verifier.config.VerifierConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier process with {@code verifier.keys.kek} opens a sealed request through the key topic to digest it
 * (the final record carries the plain request's digest). A request whose key was shredded before its request and
 * phase reports arrived gets a final record too: FAILED (every sink reported KEY_SHREDDED), no subject digest,
 * {@code identifiersUnreadable = KEY_SHREDDED}, chained like the other (the audit of the topic passes), and the
 * status API (what {@code erasurectl status} prints through ingest) names the code.
 */
@DevStackTest
class SealedRequestsTest {

    @TempDir
    Path stateDir;

    @Test
    void aSealedRequestGetsTheFinalRecordOfItsPlainFormAndAShreddedOneAFailedRecordNamingKeyShredded(KafkaBroker kafka, TestNames names)
            throws Exception {
        createTopics(kafka, names, 1);
        Topics topics = topics(names);
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        KeyTopic keyTopic = new KeyTopic(names.topic("request-keys"), 1, (short) 1, Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofHours(1), Duration.ofMinutes(1));
        ContributorErasureRequested plain = Events.request("sealed-1", Instant.now()).build();
        ContributorErasureRequested gone = Events.request("sealed-2", Instant.now()).build();
        try (RequestKeys keys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                KafkaKeyStore.open(keyTopic, kafka.clientConfig(), Duration.ofSeconds(30)));
             KafkaProducer<String, String> producer = producer(kafka)) {
            ContributorErasureRequested sealedGone = keys.seal(gone);
            keys.shred(gone.requestId());
            send(producer, topics, sealedGone);
            // What every sink reports for it: refused before the store (sink-runtime RequestOpener).
            Events.allKeyShredded(gone).forEach(p -> send(producer, topics, p));
            send(producer, topics, keys.seal(plain));
            Events.all(plain, PhaseStatus.SUCCEEDED).forEach(p -> send(producer, topics, p));
            producer.flush();
        }
        Map<String, Object> settings = settings(kafka, names, 1, stateDir);
        settings.put("verifier.keys.kek", kek);
        settings.put("verifier.keys.topic.name", keyTopic.name());
        VerifierConfig config = config(settings);
        try (VerifierService verifier = VerifierService.start(config)) {
            List<Read> out = readCompletions(kafka, topics.completions(), 2, Duration.ofSeconds(90));
            assertThat(out).hasSize(2);
            ErasureCompleted opened = out.stream().map(Read::record).filter(r -> r.requestId().equals(plain.requestId())).findFirst().orElseThrow();
            assertThat(opened.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(opened.subjectDigest()).isEqualTo(config.subjectDigest().digest(plain));
            assertThat(opened.identifiersUnreadable()).isNull();

            ErasureCompleted shredded = out.stream().map(Read::record).filter(r -> r.requestId().equals(gone.requestId())).findFirst().orElseThrow();
            assertThat(shredded.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(shredded.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
            assertThat(shredded.subjectDigest()).isNull();
            assertThat(shredded.failedPhases()).isEqualTo(gone.systems());
            assertThat(shredded.totals()).isEqualTo(Totals.ZERO);
            assertThat(shredded.revision()).isEqualTo(1);
            assertThat(shredded.contributorId()).isEqualTo("sealed-2");

            // The tamper-evident chain holds both, as erasurectl audit verify reads it.
            ChainAudit.Report audit = ChainAuditor.audit(kafka.clientConfig(), topics.completions(), Duration.ofSeconds(30));
            assertThat(audit.ok()).as(audit.summary()).isTrue();
            assertThat(audit.records()).isEqualTo(2);

            // What erasurectl status prints (ingest passes the verifier's answer on).
            JsonNode status = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + verifier.httpPort() + "/erasures/" + gone.requestId())).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(status.get("outcome").asText()).isEqualTo("FAILED");
            assertThat(status.get("identifiersUnreadable").asText()).isEqualTo("KEY_SHREDDED");

            // No identifier of either request on the completion topic.
            String topicText = out.stream().map(r -> EventJson.writeString(r.record())).reduce("", String::concat);
            assertThat(topicText).doesNotContain(Events.EMAIL_DOMAIN, Events.WORKER_PREFIX);
        }
    }
}
