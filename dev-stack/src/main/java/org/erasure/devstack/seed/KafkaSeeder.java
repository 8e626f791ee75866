package org.erasure.devstack.seed;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
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
        try (Admin admin = kafka.newAdmin()) {
            create(admin, new NewTopic(profiles, 3, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            create(admin, new NewTopic(ClickHouseSeeder.kafkaTopic(names.chDatabase()), 1, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()))));
        }
        long records = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            for (int i = 0; i < world.size(); i++) {
                SampleWorld.Contributor c = world.contributor(i);
                if (i % 3 == 0) {
                    producer.send(new ProducerRecord<>(profiles, Long.toString(c.id()), "{\"contributorId\":" + c.id() + ",\"version\":1}"));
                    records++;
                }
                producer.send(new ProducerRecord<>(profiles, Long.toString(c.id()), "{\"contributorId\":" + c.id() + ",\"email\":\""
                        + c.email() + "\",\"firstName\":\"" + c.firstName() + "\",\"version\":2}"));
                records++;
            }
            for (String key : SampleWorld.KAFKA_UNRELATED_KEYS) {
                producer.send(new ProducerRecord<>(profiles, key, "{\"unrelated\":true}"));
            }
            producer.flush();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("contributor profiles", (long) world.size());
        counts.put("profile records", records);
        counts.put("unrelated keys", (long) SampleWorld.KAFKA_UNRELATED_KEYS.size());
        return new SeedResult("kafka", counts, Duration.ofNanos(System.nanoTime() - begin));
    }

    private static void create(Admin admin, NewTopic topic) {
        try {
            admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topic " + topic.name() + " took over 60 s", e);
        }
    }
}
