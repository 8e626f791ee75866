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
import org.erasure.events.ContributorErasureRequested;
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
 * (the final record carries the plain request's digest); a request whose key was shredded gets no final record.
 */
@DevStackTest
class SealedRequestsTest {

    @TempDir
    Path stateDir;

    @Test
    void aSealedRequestGetsTheFinalRecordOfItsPlainForm(KafkaBroker kafka, TestNames names) throws Exception {
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
            Events.all(gone, PhaseStatus.SUCCEEDED).forEach(p -> send(producer, topics, p));
            send(producer, topics, keys.seal(plain));
            Events.all(plain, PhaseStatus.SUCCEEDED).forEach(p -> send(producer, topics, p));
            producer.flush();
        }
        Map<String, Object> settings = settings(kafka, names, 1, stateDir);
        settings.put("verifier.keys.kek", kek);
        settings.put("verifier.keys.topic.name", keyTopic.name());
        VerifierConfig config = config(settings);
        try (VerifierService verifier = VerifierService.start(config)) {
            List<Read> out = readCompletions(kafka, topics.completions(), 1, Duration.ofSeconds(90));
            assertThat(out).singleElement().satisfies(r -> {
                assertThat(r.record().requestId()).isEqualTo(plain.requestId());
                assertThat(r.record().outcome()).isEqualTo(Outcome.COMPLETED);
                assertThat(r.record().subjectDigest()).isEqualTo(config.subjectDigest().digest(plain));
            });
        }
    }
}
