package org.erasure.devstack.seed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.erasure.devstack.kafka.KafkaBroker;

/**
 * Contributor data kept in Kafka itself: a compacted profile topic keyed by contributor id (one
 * profile per contributor, an older version under the same key for every third, plus unrelated keys),
 * and the retained feed topic of ClickHouse's Kafka-engine table, created empty (records in it would
 * flow into {@code unit_metrics_hourly}).
 */
public final class KafkaSeeder {
    private KafkaSeeder() {}

    /** The compacted profile topic of a world seeded under {@code names}. */
    public static String profilesTopic(SeedNames names) {
        return names.chDatabase() + SampleWorld.KAFKA_PROFILES_TOPIC_SUFFIX;
    }

    public static SeedResult seed(KafkaBroker kafka, SeedNames names, SampleWorld world) {
        long begin = System.nanoTime();
        String profiles = profilesTopic(names);
        kafka.createTopics(List.of(
                new NewTopic(profiles, 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(ClickHouseSeeder.kafkaTopic(names.chDatabase()), 1, (short) 1)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis())))));
        long records = 0;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            for (int i = 0; i < world.size(); i++) {
                SampleWorld.Contributor c = world.contributor(i);
                if (i % 3 == 0) {
                    sent.add(producer.send(new ProducerRecord<>(profiles, Long.toString(c.id()), "{\"contributorId\":" + c.id() + ",\"version\":1}")));
                    records++;
                }
                sent.add(producer.send(new ProducerRecord<>(profiles, Long.toString(c.id()), "{\"contributorId\":" + c.id() + ",\"email\":\""
                        + c.email() + "\",\"firstName\":\"" + c.firstName() + "\",\"version\":2}")));
                records++;
            }
            for (String key : SampleWorld.KAFKA_UNRELATED_KEYS) {
                sent.add(producer.send(new ProducerRecord<>(profiles, key, "{\"unrelated\":true}")));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(); // a record the broker refused fails the seeding, not a later count
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("seeding " + profiles + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("contributor profiles", (long) world.size());
        counts.put("profile records", records);
        counts.put("unrelated keys", (long) SampleWorld.KAFKA_UNRELATED_KEYS.size());
        return new SeedResult("kafka", counts, Duration.ofNanos(System.nanoTime() - begin));
    }
}
