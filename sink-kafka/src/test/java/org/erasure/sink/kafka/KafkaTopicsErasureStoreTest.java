package org.erasure.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.erasure.sink.runtime.testkit.LogScan;
import org.junit.jupiter.api.Test;

/** The store against the real broker: tombstones exactly the subject's live keys, verified by reading the topic again. */
@DevStackTest
class KafkaTopicsErasureStoreTest {

    /** Two topics of one test: a compacted one keyed by contributor and by worker id, a retained feed. */
    record Topics(String profiles, String feed) {
        static Topics create(KafkaBroker kafka, TestNames names) throws Exception {
            Topics t = new Topics(names.topic("profiles"), names.topic("feed"));
            kafka.createTopics(List.of(
                    new NewTopic(t.profiles, 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")),
                    new NewTopic(t.feed, 2, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "604800000",
                            TopicConfig.SEGMENT_MS_CONFIG, "3600000"))));
            return t;
        }

        Config config(KafkaBroker kafka) {
            return ConfigFactory.parseString("""
                    bootstrap-servers = "%s"
                    compacted = [ { topic = "%s", keys = ["{contributorId}", "worker:{workerId}"] } ]
                    retained = [ "%s" ]
                    """.formatted(kafka.bootstrapServers(), profiles, feed))
                    .withFallback(ConfigFactory.defaultReference().getConfig("kafka-topics")).resolve();
        }
    }

    static ErasureItem item(int i, Mode mode) {
        LogScan.remember(List.of("person" + i + "@example.org"));
        return new ErasureItem(UUID.randomUUID(), "c" + i, new Identifiers(List.of("person" + i + "@example.org"), List.of("w" + i)), mode);
    }

    /** Live keys per key, read as a consumer of the topic would (latest value wins). */
    static Map<String, String> latest(KafkaBroker kafka, String topic) {
        return TopicReader.latest(kafka, topic, Duration.ofSeconds(60));
    }

    @Test
    void executeTombstonesExactlyTheBatchsLiveKeysAndVerifiesByReadingTheTopicAgain(KafkaBroker kafka, TestNames names) throws Exception {
        Topics t = Topics.create(kafka, names);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(kafka.producerConfig())) {
            for (int i = 0; i < 20; i++) {
                sent.add(p.send(new ProducerRecord<>(t.profiles, "c" + i, "{\"name\":\"old " + i + "\"}")));
                sent.add(p.send(new ProducerRecord<>(t.profiles, "c" + i, "{\"name\":\"profile " + i + "\"}"))); // two values, one key
                sent.add(p.send(new ProducerRecord<>(t.profiles, "worker:w" + i, "{\"worker\":" + i + "}")));
                sent.add(p.send(new ProducerRecord<>(t.feed, "c" + i, "{\"units\":" + i + "}")));
            }
            sent.add(p.send(new ProducerRecord<>(t.profiles, "c3", null))); // c3's profile already gone
            // c4's worker value also sits in a partition the default partitioner would not choose
            sent.add(p.send(new ProducerRecord<>(t.profiles, 0, "worker:w4", "{\"copied\":true}")));
            sent.add(p.send(new ProducerRecord<>(t.profiles, 1, "worker:w4", "{\"copied\":true}")));
            sent.add(p.send(new ProducerRecord<>(t.profiles, 2, "worker:w4", "{\"copied\":true}")));
        }
        for (var f : sent) {
            f.get(); // every seeded record is on the topic
        }
        List<ErasureItem> executes = IntStream.range(0, 5).mapToObj(i -> item(i, Mode.EXECUTE)).toList();
        ErasureItem dry = item(5, Mode.DRY_RUN);
        List<ErasureItem> items = new ArrayList<>(executes);
        items.add(dry);
        ErasureBatch batch = new ErasureBatch(items);
        List<Map<UUID, List<TargetResult>>> announced = new ArrayList<>();
        try (KafkaTopicsErasureStore store = (KafkaTopicsErasureStore) new KafkaTopicsStoreModule().create(t.config(kafka), new SimpleMeterRegistry())) {
            assertThat(store.targets()).containsExactly(t.profiles, t.feed);
            Map<UUID, RequestResult> results = store.erase(batch, announced::add);

            assertThat(deleted(results, executes.get(0), t.profiles)).isEqualTo(2); // its profile and its worker key
            assertThat(deleted(results, executes.get(3), t.profiles)).isEqualTo(1); // profile tombstoned before: only the worker key
            assertThat(deleted(results, executes.get(4), t.profiles)).isEqualTo(4); // profile + worker key in all three partitions
            TargetResult dryProfiles = target(results, dry, t.profiles);
            assertThat(dryProfiles.wouldDelete()).isEqualTo(2);
            assertThat(dryProfiles.deleted()).isZero();
            TargetResult feed = target(results, executes.get(0), t.feed);
            assertThat(feed.deleted()).isZero();
            assertThat(feed.note()).startsWith("not erased: " + t.feed + " is not compacted").contains("retention.ms=604800000")
                    .contains("oldest record is from").doesNotContain("@");
            assertThat(announced).as("write-ahead before the tombstones").hasSize(1);
            assertThat(announced.getFirst().get(executes.get(4).requestId())).singleElement()
                    .satisfies(r -> assertThat(r.deleted()).isEqualTo(4));

            Map<String, String> left = latest(kafka, t.profiles);
            for (int i = 0; i < 20; i++) {
                boolean erased = i < 5;
                assertThat(left.containsKey("c" + i)).as("c%d profile", i).isEqualTo(!erased && i != 3);
                assertThat(left.containsKey("worker:w" + i)).as("w%d", i).isEqualTo(!erased);
            }
            assertThat(latest(kafka, t.feed)).as("the retained feed is never written to").hasSize(20);

            Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(executes));
            executes.forEach(i -> assertThat(residuals.get(i.requestId())).containsExactly(new TargetResidual(t.profiles, 0),
                    new TargetResidual(t.feed, 0)));
            // a re-run (crash before the report) finds nothing left and says so
            Map<UUID, RequestResult> again = store.erase(new ErasureBatch(executes), WriteAhead.NONE);
            executes.forEach(i -> assertThat(deleted(again, i, t.profiles)).isZero());
            // the dry-run subject is untouched, and verify reports what is there
            assertThat(store.verify(ErasureBatch.of(dry)).get(dry.requestId())).containsExactly(new TargetResidual(t.profiles, 2),
                    new TargetResidual(t.feed, 0));
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
                "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class))) {
            List<TopicPartition> parts = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(t.profiles, p)).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            List<String> tombstoneRequests = new ArrayList<>();
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value() == null && r.headers().lastHeader(KafkaTopicsErasureStore.REQUEST_HEADER) != null) {
                        tombstoneRequests.add(new String(r.headers().lastHeader(KafkaTopicsErasureStore.REQUEST_HEADER).value(), StandardCharsets.UTF_8));
                    }
                });
            }
            assertThat(tombstoneRequests).as("each tombstone names its request").hasSize(2 + 2 + 2 + 1 + 4)
                    .containsOnly(executes.stream().map(i -> i.requestId().toString()).toArray(String[]::new));
        }
    }

    @Test
    void aLatestValueNamingTheSubjectIsTombstonedUnderItsOwnKey(KafkaBroker kafka, TestNames names) throws Exception {
        String topic = names.topic("by-value");
        kafka.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))));
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(kafka.producerConfig())) {
            sent.add(p.send(new ProducerRecord<>(topic, "x1", "{\"email\":\" PERSON1@Example.org\",\"name\":\"n\"}"))); // other case, spaces
            sent.add(p.send(new ProducerRecord<>(topic, "x2", "{\"email\":\"person2@example.org\"}")));
            sent.add(p.send(new ProducerRecord<>(topic, "x2", "{\"email\":\"someone-else@example.org\"}"))); // no longer theirs
            sent.add(p.send(new ProducerRecord<>(topic, "x3", "person3@example.org, not JSON"))); // matched by key only
            sent.add(p.send(new ProducerRecord<>(topic, "x4", "{\"owner\":\"w4\"}")));
            sent.add(p.send(new ProducerRecord<>(topic, "x5", "{\"email\":[\"person5@example.org\"]}"))); // not a whole value
            sent.add(p.send(new ProducerRecord<>(topic, "x6", "{\"email\":\"other@example.org\"}")));
        }
        for (var f : sent) {
            f.get();
        }
        Config config = ConfigFactory.parseString("""
                bootstrap-servers = "%s"
                compacted = [ { topic = "%s", keys = ["{contributorId}"], values = { email = "{email}", owner = "{workerId}" } } ]
                retained = []
                """.formatted(kafka.bootstrapServers(), topic)).withFallback(ConfigFactory.defaultReference().getConfig("kafka-topics")).resolve();
        List<ErasureItem> items = IntStream.rangeClosed(1, 5).mapToObj(i -> item(i, Mode.EXECUTE)).toList();
        try (KafkaTopicsErasureStore store = (KafkaTopicsErasureStore) new KafkaTopicsStoreModule().create(config, new SimpleMeterRegistry())) {
            Map<UUID, RequestResult> results = store.erase(new ErasureBatch(items), WriteAhead.NONE);
            assertThat(items.stream().map(i -> deleted(results, i, topic)).toList()).containsExactly(1L, 0L, 0L, 1L, 0L);
            assertThat(latest(kafka, topic)).containsOnlyKeys("x2", "x3", "x5", "x6");
            Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
            items.forEach(i -> assertThat(residuals.get(i.requestId())).containsExactly(new TargetResidual(topic, 0)));
        }
        assertThatThrownBy(() -> TopicsMapping.parse(ConfigFactory.parseString(
                "compacted = [ { topic = t, keys = [\"{contributorId}\"], values = { name = \"{name}\" } } ], retained = [], read-timeout = 1s")))
                .hasMessageContaining("values.name of t must be one of");
    }

    @Test
    void configurationIsCheckedAgainstTheClusterWithClearErrors(KafkaBroker kafka, TestNames names) throws Exception {
        Topics t = Topics.create(kafka, names);
        KafkaTopicsStoreModule module = new KafkaTopicsStoreModule();
        assertThatThrownBy(() -> module.create(t.config(kafka).withValue("compacted", ConfigFactory.parseString(
                "x = [ { topic = \"" + t.feed + "\", keys = [\"{contributorId}\"] } ]").getValue("x")).withValue("retained",
                ConfigFactory.parseString("x = []").getValue("x")), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(t.feed).hasMessageContaining("cleanup.policy=delete");
        assertThatThrownBy(() -> module.create(t.config(kafka).withValue("retained", ConfigFactory.parseString(
                "x = [\"" + names.topic("missing") + "\"]").getValue("x")), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> module.create(t.config(kafka).withValue("compacted", ConfigFactory.parseString(
                "x = [ { topic = \"" + t.profiles + "\", keys = [\"profile:{name}\"] } ]").getValue("x")), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("profile:{name}");
        assertThatThrownBy(() -> module.create(t.config(kafka).withValue("bootstrap-servers",
                ConfigFactory.parseString("x = \"127.0.0.1:1\"").getValue("x")).withValue("client",
                ConfigFactory.parseString("x { \"default.api.timeout.ms\" = 2000, \"request.timeout.ms\" = 1000 }").getValue("x")), null))
                .isInstanceOf(StoreUnavailableException.class);
    }

    private static TargetResult target(Map<UUID, RequestResult> results, ErasureItem item, String target) {
        return ((RequestResult.Erased) results.get(item.requestId())).targets().stream().filter(r -> r.target().equals(target)).findFirst().orElseThrow();
    }

    private static long deleted(Map<UUID, RequestResult> results, ErasureItem item, String target) {
        return target(results, item, target).deleted();
    }
}
