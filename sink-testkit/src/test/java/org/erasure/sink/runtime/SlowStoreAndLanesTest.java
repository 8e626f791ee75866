package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.events.serde.EventJson;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * The loop with the real broker and a store that takes its time (the S3 emulator at M took 7
 * minutes per batch): a store call longer than max.poll.interval.ms must neither cost the group
 * membership nor run twice, and an interactive request must not wait behind a bulk chunk.
 */
@DevStackTest
class SlowStoreAndLanesTest {

    /** Erases by remembering; contributors whose id starts with "slow" take {@code slowFor}. */
    static final class TimedStore implements ErasureStore {
        static final Map<String, AtomicInteger> ERASED = new ConcurrentHashMap<>();
        /** The size of every batch erased, in order. */
        static final List<Integer> BATCHES = new java.util.concurrent.CopyOnWriteArrayList<>();
        static volatile Duration slowFor = Duration.ZERO;

        @Override public Phase phase() { return Phase.REDIS; }
        @Override public List<String> targets() { return List.of("keys"); }

        @Override
        public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
            BATCHES.add(batch.items().size());
            Map<UUID, List<TargetResult>> planned = new java.util.HashMap<>();
            batch.executes().forEach(i -> planned.put(i.requestId(), List.of(TargetResult.erased("keys", 1, 0, 0))));
            writeAhead.record(planned);
            if (batch.items().stream().anyMatch(i -> i.contributorId().startsWith("slow"))) {
                try {
                    Thread.sleep(slowFor);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Map<UUID, RequestResult> out = new java.util.HashMap<>();
            for (ErasureItem i : batch.items()) {
                ERASED.computeIfAbsent(i.contributorId(), k -> new AtomicInteger()).incrementAndGet();
                out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.erased("keys", 1, 0, 0))));
            }
            return out;
        }

        @Override
        public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
            Map<UUID, List<TargetResidual>> out = new java.util.HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), List.of(new TargetResidual("keys", 0))));
            return out;
        }

        @Override public void checkReachable() {}
        @Override public void close() {}
    }

    static class TimedModule implements StoreModule {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public String configSection() { return "timed"; }
        @Override public String defaultSinkName() { return "sink-timed"; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { return new TimedStore(); }
    }

    private static ContributorErasureRequested request(String contributor, ErasureReason reason) {
        return ContributorErasureRequested.builder().contributorId(contributor).requestedBy("test").reason(reason)
                .mode(Mode.EXECUTE).systems(Phase.REDIS).build();
    }

    private static Config config(SinkKafkaHarness h, String name, String extra) {
        return SinkConfig.fromString(h.sinkConfig(name, "a") + "\n" + extra + "\ntimed {}");
    }

    @Test
    void aStoreCallLongerThanThePollIntervalRunsOnceAndKeepsTheMembership(KafkaBroker kafka, TestNames names) throws Exception {
        TimedStore.slowFor = Duration.ofSeconds(12);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = List.of(request("slow-1", ErasureReason.ACCOUNT_CLOSED),
                    request("slow-2", ErasureReason.ACCOUNT_CLOSED));
            requests.forEach(h::send);
            h.flush();
            // Before the store work moved off the consumer thread, a 12 s call with a 6 s poll interval
            // evicted the consumer, failed the transaction and ran the batch again.
            Config c = config(h, names.group("sink-timed"), """
                    sink.kafka.consumer { "max.poll.interval.ms" = 6000 }
                    sink.lanes.bulk = false
                    """);
            try (SinkApplication app = SinkApplication.start(c, new TimedModule())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().size() == 2);
                assertThat(app.registry().get("erasure.sink.transaction.aborts").tag("lane", "interactive").counter().count()).isZero();
            }
            for (ContributorErasureRequested r : requests) {
                assertThat(TimedStore.ERASED.get(r.contributorId()).get()).as("store calls for %s", r.contributorId()).isEqualTo(1);
                assertThat(h.completions().get(r.requestId())).hasSize(1)
                        .allSatisfy(pc -> assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED));
                assertThat(h.started().get(r.requestId())).as("one write-ahead report").hasSize(1);
            }
        }
    }

    @Test
    void anInteractiveRequestDoesNotWaitBehindABulkChunk(KafkaBroker kafka, TestNames names) throws Exception {
        TimedStore.slowFor = Duration.ofSeconds(20);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            Config c = config(h, names.group("sink-timed"), "");
            try (SinkApplication app = SinkApplication.start(c, new TimedModule())) {
                ContributorErasureRequested purge = request("slow-purge", ErasureReason.INACTIVITY_PURGE);
                producer.send(new ProducerRecord<>(h.topics.requestsBulk(), purge.kafkaKey(), EventJson.writeString(purge))).get();
                await().atMost(Duration.ofSeconds(60)).until(() -> TimedStore.ERASED.containsKey("slow-purge")
                        || h.started().containsKey(purge.requestId()));
                ContributorErasureRequested closure = request("closing-now", ErasureReason.ACCOUNT_CLOSED);
                Instant sent = Instant.now();
                producer.send(new ProducerRecord<>(h.topics.requests(), closure.kafkaKey(), EventJson.writeString(closure))).get();
                await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().containsKey(closure.requestId()));
                Duration closureTook = Duration.between(sent, Instant.now());
                assertThat(h.completions()).as("the purge's chunk is still in the store").doesNotContainKey(purge.requestId());
                System.out.printf("MEASURED lanes: interactive result %d ms after publish while a bulk chunk held the store%n",
                        closureTook.toMillis());
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().containsKey(purge.requestId()));
                PhaseCompleted pc = h.completions().get(purge.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
            }
        }
    }
}
