package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * A backlog on the bulk lane is taken in chunks as large as the sizer allows, not in whatever one
 * fetch happens to hold: at M the S3 sink got 30 chunks of about 333 for a 10,000 purge (one fetch
 * of 1 MiB per partition), and paid one bucket-wide listing pass per chunk.
 */
@DevStackTest
class BulkChunkFillTest {

    /** Remembers the size of every chunk it is given; erases nothing. */
    static final class CountingStore implements ErasureStore {
        static final List<Integer> CHUNKS = new CopyOnWriteArrayList<>();

        @Override public Phase phase() { return Phase.REDIS; }
        @Override public List<String> targets() { return List.of("keys"); }

        @Override
        public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
            CHUNKS.add(batch.items().size());
            Map<UUID, RequestResult> out = new HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.erased("keys", 1, 0, 0)))));
            return out;
        }

        @Override
        public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
            Map<UUID, List<TargetResidual>> out = new HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), List.of(new TargetResidual("keys", 0))));
            return out;
        }

        @Override public void checkReachable() {}
        @Override public void close() {}
    }

    static final class CountingModule implements StoreModule {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public String configSection() { return "counting"; }
        @Override public String defaultSinkName() { return "sink-counting"; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { return new CountingStore(); }
    }

    @Test
    void aBulkBacklogIsTakenInChunksOfTheSizersSizeNotOfOneFetch(KafkaBroker kafka, TestNames names) throws Exception {
        int purge = 1_500;
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            for (int i = 0; i < purge; i++) {
                ContributorErasureRequested r = ContributorErasureRequested.builder().contributorId("purged-" + i).requestedBy("test")
                        .reason(ErasureReason.INACTIVITY_PURGE).mode(Mode.EXECUTE).systems(Phase.REDIS).build();
                producer.send(new ProducerRecord<>(h.topics.requestsBulk(), r.kafkaKey(), EventJson.writeString(r)));
            }
            producer.flush();
            // One fetch holds a few dozen requests here (16 KiB per partition) and no linger collects more;
            // the sizer asks for 2,000 and a chunk is allowed a minute, so the backlog fits in one or two chunks.
            Config c = SinkConfig.fromString(h.sinkConfig(names.group("sink-counting"), "a") + """
                    sink.batch { max-size = 2000, target-duration = 60s, linger = 0ms, fill-timeout = 30s }
                    sink.kafka.consumer { "max.partition.fetch.bytes" = 16384 }
                    counting {}
                    """);
            try (SinkApplication app = SinkApplication.start(c, new CountingModule())) {
                await().atMost(Duration.ofSeconds(120))
                        .conditionEvaluationListener(e -> System.out.printf("chunks so far %s, results %d%n",
                                CountingStore.CHUNKS, h.completions().size()))
                        .until(() -> h.completions().size() == purge);
            }
            assertThat(h.completions().values()).allSatisfy(results -> assertThat(results).singleElement()
                    .extracting(PhaseCompleted::status).isEqualTo(PhaseStatus.SUCCEEDED));
            assertThat(CountingStore.CHUNKS.stream().mapToInt(Integer::intValue).sum()).isEqualTo(purge);
            assertThat(CountingStore.CHUNKS).as("chunk sizes").hasSizeLessThanOrEqualTo(2);
        }
    }
}
