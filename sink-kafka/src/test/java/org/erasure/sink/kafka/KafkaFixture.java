package org.erasure.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.KafkaSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.testkit.StoreFixture;

/** A seeded world's profile topic (compacted, keyed by contributor id) and feed topic (retained) on the shared broker. */
final class KafkaFixture extends StoreFixture {
    final KafkaBroker kafka;
    final String profiles;
    final String feed;

    private KafkaFixture(KafkaBroker kafka, SeedNames names, SampleWorld world) {
        super(world, KafkaTopicsStoreModule::new, "sink-kafka");
        this.kafka = kafka;
        this.profiles = KafkaSeeder.profilesTopic(names);
        this.feed = ClickHouseSeeder.kafkaTopic(names.chDatabase());
    }

    static KafkaFixture seed(KafkaBroker kafka, TestNames names, int size) {
        SeedNames seedNames = SeedNames.unique(names);
        KafkaFixture f = new KafkaFixture(kafka, seedNames, SampleWorld.isolated(size));
        KafkaSeeder.seed(kafka, seedNames, f.world);
        return f;
    }

    @Override
    public Config storeConfig(String bootstrap, String extra) {
        return ConfigFactory.parseString("""
                bootstrap-servers = "%s"
                compacted = [ { topic = "%s", keys = ["{contributorId}"] } ]
                retained = [ "%s" ]
                %s
                """.formatted(bootstrap, profiles, feed, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("kafka-topics")).resolve();
    }

    @Override
    public String endpoint() {
        return kafka.bootstrapServers();
    }

    /** A broker advertises its own address: a TCP proxy in front of it cuts nothing after the first metadata answer. */
    @Override
    public int storePort() {
        throw new UnsupportedOperationException("a Kafka broker cannot be cut off by a proxy in front of its bootstrap address");
    }

    @Override
    public String endpointVia(int proxyPort) {
        throw new UnsupportedOperationException("a Kafka broker cannot be cut off by a proxy in front of its bootstrap address");
    }

    private Map<String, String> latest() {
        return KafkaTopicsErasureStoreTest.latest(kafka, profiles);
    }

    @Override
    public long erasedAmongFirst(int n) {
        Map<String, String> latest = latest();
        return java.util.stream.IntStream.range(0, n).filter(i -> !latest.containsKey(Long.toString(world.contributor(i).id()))).count();
    }

    @Override
    public void assertErased(int index) {
        assertThat(latest()).doesNotContainKey(Long.toString(world.contributor(index).id()));
    }

    @Override
    public void assertIntact(int index) {
        SampleWorld.Contributor c = world.contributor(index);
        assertThat(latest().get(Long.toString(c.id()))).contains(c.email()).contains("\"version\":2");
    }

    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.targets().getFirst().deleted();
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(profiles, feed);
        assertThat(pc.targets()).extracting(TargetResult::deleted).containsExactly(1L, 0L);
        assertThat(pc.targets().get(1).note()).startsWith("not erased: " + feed + " is not compacted");
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::wouldDelete).containsExactly(1L, 0L);
    }

    @Override
    public void afterBatch(BatchOutcome outcome) {
        assertThat(latest()).containsKeys(SampleWorld.KAFKA_UNRELATED_KEYS.toArray(String[]::new));
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("erasure_sink_kafka_tombstones_total");
    }
}
