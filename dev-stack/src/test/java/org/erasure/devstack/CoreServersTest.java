package org.erasure.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Produced;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.s3.S3Server;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/** Each core server starts and answers a real operation through the client the product uses. */
@DevStackTest
class CoreServersTest {

    private static final Logger log = LoggerFactory.getLogger(CoreServersTest.class);

    @Test
    void kafkaProducesConsumesAndRunsAStreamsApp(KafkaBroker kafka, TestNames names) {
        log.info("Kafka server version {}", kafka.version());
        assertThat(kafka.version()).isEqualTo("4.3.1");
        String in = names.topic("in");
        String out = names.topic("out");
        kafka.createTopics(1, List.of(in, out));

        Properties streamsProps = new Properties();
        streamsProps.putAll(kafka.clientConfig());
        streamsProps.put(StreamsConfig.APPLICATION_ID_CONFIG, names.group("upper"));
        streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/streams-" + names.stem());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, org.apache.kafka.streams.kstream.Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(v -> v.toUpperCase())
                .to(out, Produced.with(Serdes.String(), Serdes.String()));

        try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsProps);
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.consumerConfig(names.group("reader")))) {
            streams.start();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(in, "k" + i, "value-" + i));
            }
            producer.flush();
            consumer.subscribe(List.of(out));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= 3;
            });
            assertThat(values).containsExactly("VALUE-0", "VALUE-1", "VALUE-2");
        }
    }

    @Test
    void postgresAnswersJdbc(PostgresServer postgres, TestNames names) throws Exception {
        log.info("PostgreSQL server version {}", postgres.version());
        assertThat(postgres.version()).matches("1[5-8]\\..*");
        String table = names.table("t");
        try (Connection c = postgres.newConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (id bigint primary key, email text)");
            s.execute("INSERT INTO " + table + " SELECT g, 'x' || g || '@example.test' FROM generate_series(1, 50) g");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE id = ANY('{1,2,3}'::bigint[])")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(3);
            }
        }
    }

    @Test
    void redisSetsScansAndUnlinks(RedisServer redis, TestNames names) {
        log.info("Redis server version {}", redis.version());
        assertThat(redis.version()).matches("\\d+\\.\\d+\\.\\d+");
        String prefix = names.keyPrefix("session");
        RedissonClient client = redis.newRedissonClient();
        try {
            for (int i = 0; i < 20; i++) {
                client.getBucket(prefix + i).set("token-" + i);
            }
            client.getBucket("other:" + names.stem()).set("keep");
            List<String> found = new ArrayList<>();
            client.getKeys().getKeys(KeysScanOptions.defaults().pattern(prefix + "*").chunkSize(1000)).forEach(found::add);
            assertThat(found).hasSize(20);
            long unlinked = client.getKeys().unlink(found.toArray(String[]::new));
            assertThat(unlinked).isEqualTo(20);
            assertThat(client.getKeys().countExists(found.toArray(String[]::new))).isZero();
            assertThat(client.getBucket("other:" + names.stem()).get()).isEqualTo("keep");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void s3KeepsAndDeletesVersions(S3Server s3, TestNames names) {
        log.info("S3 server {}", s3.version());
        String bucket = names.bucket("files");
        try (S3Client client = s3.newClient()) {
            client.createBucket(b -> b.bucket(bucket));
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            for (int v = 0; v < 3; v++) {
                client.putObject(p -> p.bucket(bucket).key("contributors/42/profile.json"),
                        RequestBody.fromString("{\"v\":" + "1".repeat(v + 1) + "}", StandardCharsets.UTF_8));
            }
            client.deleteObject(d -> d.bucket(bucket).key("contributors/42/profile.json")); // adds a delete marker
            ListObjectVersionsResponse versions = client.listObjectVersions(l -> l.bucket(bucket).prefix("contributors/42/"));
            assertThat(versions.versions()).hasSize(3);
            assertThat(versions.deleteMarkers()).hasSize(1);

            List<ObjectIdentifier> all = new ArrayList<>();
            versions.versions().forEach(v -> all.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
            versions.deleteMarkers().forEach(m -> all.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
            var deleted = client.deleteObjects(d -> d.bucket(bucket).delete(del -> del.objects(all)));
            assertThat(deleted.errors()).isEmpty();
            ListObjectVersionsResponse after = client.listObjectVersions(l -> l.bucket(bucket).prefix("contributors/42/"));
            assertThat(after.versions()).isEmpty();
            assertThat(after.deleteMarkers()).isEmpty();
        }
    }
}
