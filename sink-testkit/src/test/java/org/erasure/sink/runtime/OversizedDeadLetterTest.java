package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SlowStoreAndLanesTest.TimedModule;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * An unreadable record that nearly fills the producer's request limit: its dead letter (the same
 * bytes plus the headers) no longer fits. It used to fail the transaction, and the batch was redone
 * forever; now the dead letter goes without its value and the requests behind it are processed.
 */
@DevStackTest
class OversizedDeadLetterTest {

    private static final int LIMIT = 200_000;

    @Test
    void aDeadLetterTooLargeToSendGoesWithoutItsValueAndTheNextRequestIsProcessed(KafkaBroker kafka, TestNames names) throws Exception {
        SlowStoreAndLanesTest.TimedStore.slowFor = Duration.ZERO;
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            byte[] unreadable = new byte[LIMIT - 500];
            Arrays.fill(unreadable, (byte) 'x');
            h.sendRaw("huge", unreadable);
            ContributorErasureRequested next = ContributorErasureRequested.builder().contributorId("huge")
                    .requestedBy("test").reason(ErasureReason.ACCOUNT_CLOSED).mode(Mode.EXECUTE).systems(Phase.REDIS).build();
            h.send(next);
            h.flush();
            var config = SinkConfig.fromString(h.sinkConfig(names.group("sink-timed"), "a") + """

                    sink.kafka.producer { "max.request.size" = %d }
                    sink.lanes.bulk = false
                    timed {}
                    """.formatted(LIMIT));
            try (SinkApplication app = SinkApplication.start(config, new TimedModule())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().containsKey(next.requestId()));
                assertThat(h.completions().get(next.requestId())).singleElement()
                        .satisfies(pc -> assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED));
                assertThat(app.registry().get("erasure.sink.transaction.aborts").tag("lane", "interactive").counter().count()).isZero();
            }
            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 1);
            assertThat(dlq).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("huge");
                assertThat(r.value()).isNull();
                assertThat(header(r, DeadLetterHeaders.VALUE_OMITTED)).isEqualTo(Integer.toString(unreadable.length));
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(h.topics.requests());
                assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).matches("\\d+");
                assertThat(header(r, DeadLetterHeaders.FIELD)).isEqualTo("$");
            });
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
