package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SlowStoreAndLanesTest.TimedModule;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * A store that is down while the sink starts (the fault test killed the ClickHouse sink during a
 * ClickHouse outage; the restarted sink exited on "cannot validate the mapping", three times): the
 * sink waits for it and then works. A store that answers "no" still fails the start at once.
 */
@DevStackTest
class StoreDownAtStartTest {

    /** Refuses connections for the first {@code downFor} calls of create, as a store being restarted does. */
    static final class DownAtFirst extends TimedModule {
        final AtomicInteger calls = new AtomicInteger();
        final int downFor;
        final RuntimeException failure;

        DownAtFirst(int downFor, RuntimeException failure) {
            this.downFor = downFor;
            this.failure = failure;
        }

        @Override
        public ErasureStore create(Config storeConfig, MeterRegistry meters) {
            if (calls.incrementAndGet() <= downFor) {
                throw failure;
            }
            return super.create(storeConfig, meters);
        }
    }

    @Test
    void aStoreDownAtStartIsWaitedForAndTheSinkThenErases(KafkaBroker kafka, TestNames names) throws Exception {
        SlowStoreAndLanesTest.TimedStore.slowFor = Duration.ZERO;
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            ContributorErasureRequested request = ContributorErasureRequested.builder().contributorId("waited-for")
                    .requestedBy("test").reason(ErasureReason.ACCOUNT_CLOSED).mode(Mode.EXECUTE).systems(Phase.REDIS).build();
            h.send(request);
            h.flush();
            DownAtFirst module = new DownAtFirst(3, new IllegalStateException("cannot validate the mapping at jdbc:x://127.0.0.1:1/db",
                    new java.sql.SQLException("connect failed", "08000", new ConnectException("Connection refused"))));
            Config config = SinkConfig.fromString(h.sinkConfig(names.group("sink-timed"), "a") + "\nsink.lanes.bulk = false\ntimed {}");
            try (SinkApplication app = SinkApplication.start(config, module)) {
                assertThat(module.calls.get()).as("create attempts: three refused, then the store").isEqualTo(4);
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().containsKey(request.requestId()));
                assertThat(h.completions().get(request.requestId())).singleElement()
                        .satisfies(pc -> assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED));
            }
        }
    }

    @Test
    void aStoreThatAnswersNoFailsTheStartAtOnce(KafkaBroker kafka, TestNames names) {
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            DownAtFirst module = new DownAtFirst(Integer.MAX_VALUE, new IllegalStateException("cannot validate the mapping: "
                    + "relation \"contributors\" does not exist", new java.sql.SQLException("no such table", "42P01")));
            Config config = SinkConfig.fromString(h.sinkConfig(names.group("sink-timed"), "a") + "\nsink.lanes.bulk = false\ntimed {}");
            assertThatThrownBy(() -> SinkApplication.start(config, module)).hasMessageContaining("does not exist");
            assertThat(module.calls.get()).isEqualTo(1);
        }
    }
}
