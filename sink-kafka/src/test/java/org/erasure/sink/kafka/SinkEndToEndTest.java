package org.erasure.sink.kafka;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The happy path through the runner, the pipeline's broker also holding the contributor topics (scenario in SinkContract). */
@DevStackTest
@Order(2)
class SinkEndToEndTest {

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, TestNames names) throws Exception {
        SinkContract.requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(kafka, names, size -> KafkaFixture.seed(kafka, names, size));
    }
}
