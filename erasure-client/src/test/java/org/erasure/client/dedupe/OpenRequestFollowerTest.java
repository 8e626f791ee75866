package org.erasure.client.dedupe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventSerdes;
import org.junit.jupiter.api.Test;

/** Rebuilding the open requests from the lanes and the completions topic at start, then following them. */
@DevStackTest
class OpenRequestFollowerTest {

    private static ContributorErasureRequested request(String contributorId, Instant at) {
        return ContributorErasureRequested.builder().contributorId(contributorId)
                .identifiers(new Identifiers(List.of("p" + contributorId + "@example.test"), List.of()))
                .requestedAt(at).requestedBy("test").reason(ErasureReason.INACTIVITY_PURGE).mode(Mode.EXECUTE).build();
    }

    /**
     * A topic just created may not have its leaders in place yet; an idempotent producer sending then
     * gets NOT_LEADER and then retries out-of-order sequences until its delivery timeout.
     */
    private static void awaitLeaders(KafkaBroker kafka, List<String> names) {
        try (Admin admin = kafka.newAdmin()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                admin.describeTopics(names).allTopicNames().get().values().forEach(d -> d.partitions()
                        .forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                admin.listOffsets(latest).all().get();
                return true;
            });
        }
    }

    @Test
    void startsFromWhatTheTopicsSayAndFollowsThem(KafkaBroker kafka, TestNames names) throws Exception {
        Topics topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        awaitLeaders(kafka, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        Instant now = Instant.now();
        List<ContributorErasureRequested> sent = new ArrayList<>();
        try (KafkaProducer<String, ContributorErasureRequested> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(), EventSerdes.requested().serializer());
             KafkaProducer<String, String> completions = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 1_000; i++) {
                ContributorErasureRequested e = request(Long.toString(5_000_000L + i), now);
                sent.add(e);
                p.send(new ProducerRecord<>(i % 2 == 0 ? topics.requests() : topics.requestsBulk(), e.kafkaKey(), e));
            }
            // Older than the lookback: not read at all.
            ContributorErasureRequested old = request("4000000", now.minus(Duration.ofDays(40)));
            p.send(new ProducerRecord<>(topics.requestsBulk(), null, now.minus(Duration.ofDays(40)).toEpochMilli(), old.kafkaKey(), old));
            p.flush();
            for (int i = 0; i < 100; i++) {
                completions.send(new ProducerRecord<>(topics.completions(), sent.get(i).requestId().toString(), "{}"));
            }
            completions.flush();
        }
        OpenRequests open = new OpenRequests(Clock.systemUTC());
        try (OpenRequestFollower follower = new OpenRequestFollower(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, open,
                Duration.ofDays(30), Duration.ofSeconds(15), Clock.systemUTC()).start()) {
            await().atMost(Duration.ofMinutes(1)).until(follower::ready);
            assertThat(open.size()).isEqualTo(900);
            assertThat(open.find(sent.get(0).contributorId(), Mode.EXECUTE)).as("completed").isEmpty();
            assertThat(open.find(sent.get(500).contributorId(), Mode.EXECUTE)).contains(sent.get(500).requestId());
            assertThat(open.find("4000000", Mode.EXECUTE)).isEmpty();

            ContributorErasureRequested later = request("6000000", Instant.now());
            try (KafkaProducer<String, ContributorErasureRequested> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), EventSerdes.requested().serializer())) {
                p.send(new ProducerRecord<>(topics.requests(), later.kafkaKey(), later)).get();
            }
            assertThat(follower.awaitCurrent(Instant.now().plusSeconds(30))).isTrue();
            assertThat(open.find("6000000", Mode.EXECUTE)).as("read up to date before answering").contains(later.requestId());
        }
    }
}
