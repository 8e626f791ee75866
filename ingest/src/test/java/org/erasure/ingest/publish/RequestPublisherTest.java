package org.erasure.ingest.publish;

import org.erasure.client.publish.PublishException;
import org.erasure.client.publish.RequestPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.ingest.support.TopicContent;
import org.junit.jupiter.api.Test;

@DevStackTest
class RequestPublisherTest {

    private static ContributorErasureRequested request(String id, int workerIds) {
        return ContributorErasureRequested.builder().contributorId(id)
                .identifiers(List.of("c" + id + "@example.test"), Collections.nCopies(workerIds, "w").stream()
                        .map(w -> w + "x".repeat(200) + Math.random()).toList())
                .requestedBy("test").reason(ErasureReason.OTHER).mode(Mode.EXECUTE).build();
    }

    @Test
    void oneBatchIsOneTransactionAllOrNothing(KafkaBroker kafka, TestNames names) {
        Topics topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests()));
        // A record over max.request.size fails its send; the commit then fails and the whole batch is aborted.
        try (RequestPublisher publisher = new RequestPublisher(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", 4_000),
                topics, "tx-" + names.stem(), Duration.ofSeconds(10))) {
            List<ContributorErasureRequested> batch = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                batch.add(request(Integer.toString(i), i == 4 ? 20 : 0));
            }
            assertThatThrownBy(() -> publisher.publish(batch)).isInstanceOf(PublishException.class)
                    .hasMessageContaining("nothing was published");
            assertThat(TopicContent.requests(kafka.bootstrapServers(), topics.requests())).isEmpty();

            List<ContributorErasureRequested> good = List.of(request("11", 0), request("12", 0), request("13", 0));
            publisher.publish(good);
            // The commit returns before the broker has written its markers: a read_committed reader sees the
            // transaction once the last stable offset moved past it (a moment later on a busy machine).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicContent.requests(kafka.bootstrapServers(), topics.requests()))
                    .extracting(r -> r.value().requestId())
                    .containsExactlyInAnyOrderElementsOf(good.stream().map(ContributorErasureRequested::requestId).toList()));
        }
    }
}
