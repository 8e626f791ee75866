package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.serde.EventJson;
import org.erasure.sink.runtime.SlowStoreAndLanesTest.TimedModule;
import org.erasure.sink.runtime.SlowStoreAndLanesTest.TimedStore;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * A backlog on the bulk lane is taken in chunks as large as the sizer allows, not in whatever one
 * fetch happens to hold: at M the S3 sink got 30 chunks of about 333 for a 10,000 purge (one fetch
 * of 1 MiB per partition), and paid one bucket-wide listing pass per chunk.
 */
@DevStackTest
class BulkChunkFillTest {

    @Test
    void aBulkBacklogIsTakenInChunksOfTheSizersSizeNotOfOneFetch(KafkaBroker kafka, TestNames names) throws Exception {
        int purge = 1_500;
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < purge; i++) {
                ContributorErasureRequested r = ContributorErasureRequested.builder().contributorId("purged-" + i).requestedBy("test")
                        .reason(ErasureReason.INACTIVITY_PURGE).mode(Mode.EXECUTE).systems(Phase.REDIS).build();
                sent.add(producer.send(new ProducerRecord<>(h.topics.requestsBulk(), r.kafkaKey(), EventJson.writeString(r))));
            }
            for (Future<RecordMetadata> s : sent) {
                s.get(); // all 1,500 on the broker before the sink starts: a backlog
            }
            // One fetch holds a few dozen requests here (16 KiB per partition) and no linger collects more;
            // the sizer asks for 2,000 and a chunk is allowed a minute, so the backlog fits in one or two chunks.
            Config c = SinkConfig.fromString(h.sinkConfig(names.group("sink-timed"), "a") + """
                    sink.batch { max-size = 2000, target-duration = 60s, linger = 0ms, fill-timeout = 30s }
                    sink.kafka.consumer { "max.partition.fetch.bytes" = 16384 }
                    timed {}
                    """);
            TimedStore.slowFor = Duration.ZERO;
            TimedStore.BATCHES.clear();
            try (SinkApplication app = SinkApplication.start(c, new TimedModule())) {
                await().atMost(Duration.ofSeconds(120))
                        .conditionEvaluationListener(e -> System.out.printf("chunks so far %s, results %d%n",
                                TimedStore.BATCHES, h.completions().size()))
                        .until(() -> h.completions().size() == purge);
            }
            assertThat(h.completions().values()).allSatisfy(results -> assertThat(results).singleElement()
                    .extracting(PhaseCompleted::status).isEqualTo(PhaseStatus.SUCCEEDED));
            assertThat(TimedStore.BATCHES.stream().mapToInt(Integer::intValue).sum()).isEqualTo(purge);
            assertThat(TimedStore.BATCHES).as("chunk sizes").hasSizeLessThanOrEqualTo(2);
        }
    }
}
