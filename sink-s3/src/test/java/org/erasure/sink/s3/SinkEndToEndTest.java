package org.erasure.sink.s3;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.s3.S3Server;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The happy path through the runner with the real Kafka broker and S3 (s3proxy) (scenario in SinkContract). */
@DevStackTest
@Order(2)
class SinkEndToEndTest {

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        SinkContract.requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(kafka, names, size -> S3Fixture.seed(s3, names, size));
    }
}
