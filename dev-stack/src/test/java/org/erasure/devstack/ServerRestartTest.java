package org.erasure.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault-test APIs: the Kafka broker and PostgreSQL stop (clients are refused) and start again on
 * the same port with their data, and clients opened before the restart carry on.
 */
@DevStackTest
class ServerRestartTest {

    private static final Logger log = LoggerFactory.getLogger(ServerRestartTest.class);

    @Test
    void kafkaBrokerStartsAgainOnTheSamePortWithRecordsAndGroupOffsets(KafkaBroker kafka, TestNames names) throws Exception {
        String topic = names.topic("restart");
        String group = names.group("restart");
        TopicPartition partition = new TopicPartition(topic, 0);
        kafka.createTopics(1, List.of(topic));
        String bootstrap = kafka.bootstrapServers();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "before-" + i)).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.consumerConfig(group))) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(2)));
            }

            long begin = System.nanoTime();
            kafka.stopBroker();
            long stopped = System.nanoTime();
            assertThat(refused(bootstrap)).as("the broker's port refuses connections while it is down").isTrue();
            kafka.startBroker();
            log.info("MEASURED broker stop {} ms, start {} ms", (stopped - begin) / 1_000_000, (System.nanoTime() - stopped) / 1_000_000);
            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);

            // A producer from before the restart reconnects by itself.
            producer.send(new ProducerRecord<>(topic, "k", "after")).get(60, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.consumerConfig(group))) {
            consumer.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= 2;
            });
            assertThat(values).as("the group resumes at its committed offset 2").containsExactly("before-2", "after");
        }
    }

    @Test
    void postgresStartsAgainOnTheSamePortWithItsData(PostgresServer postgres, TestNames names) throws Exception {
        String table = names.table("restart");
        String url = postgres.jdbcUrl();
        try (Connection c = postgres.newConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
            s.execute("INSERT INTO " + table + " VALUES (1, 'kept')");
            long begin = System.nanoTime();
            postgres.stopServer();
            long stopped = System.nanoTime();
            try {
                assertThat(postgres.isServing()).isFalse();
                assertThatThrownBy(() -> s.executeQuery("SELECT 1")).as("an open session is cut").isInstanceOf(SQLException.class);
                assertThatThrownBy(postgres::newConnection).as("new connections are refused").isInstanceOf(SQLException.class);
                assertThat(refused("127.0.0.1:" + postgres.port())).isTrue();
            } finally {
                long starting = System.nanoTime();
                postgres.startServer();
                log.info("MEASURED postgres stop {} ms, start {} ms", (stopped - begin) / 1_000_000, (System.nanoTime() - starting) / 1_000_000);
            }
        }
        assertThat(postgres.isServing()).isTrue();
        assertThat(postgres.jdbcUrl()).isEqualTo(url);
        try (Connection c = postgres.newConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM " + table + " WHERE id = 1")) {
            assertThat(rs.next()).as("committed rows survive the restart").isTrue();
            assertThat(rs.getString(1)).isEqualTo("kept");
        }
        assertThat(postgres.processes()).as("the new postmaster is known (stale-stack reaping)").hasSize(1);
    }

    private static boolean refused(String hostPort) {
        String[] parts = hostPort.split(",")[0].split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])), 2_000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
