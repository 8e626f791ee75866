package org.erasure.sink.clickhouse;

import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The happy path through the runner with the real Kafka broker and ClickHouse (scenario in SinkContract). */
@DevStackTest
@Order(2)
class SinkEndToEndTest {

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        SinkContract.requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(kafka, names, size -> ChFixture.seed(ch, names, size));
    }
}
