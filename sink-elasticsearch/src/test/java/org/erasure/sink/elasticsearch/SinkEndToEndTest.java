package org.erasure.sink.elasticsearch;

import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The happy path through the runner with the real Kafka broker and Elasticsearch (scenario in SinkContract). */
@DevStackTest
@Order(2)
class SinkEndToEndTest {

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        SinkContract.requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(kafka, names, size -> EsFixture.seed(es, names, size));
    }
}
