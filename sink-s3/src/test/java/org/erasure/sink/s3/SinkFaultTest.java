package org.erasure.sink.s3;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.s3.S3Server;
import org.erasure.sink.runtime.testkit.FaultTimings;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and S3 (s3proxy) (scenarios in SinkContract). */
@DevStackTest
@Order(3)
class SinkFaultTest {

    private static final FaultTimings TIMINGS = FaultTimings.DEFAULT;

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        SinkContract.killedMidBatchAndRestartedLosesNoRequest(kafka, names, TIMINGS, size -> S3Fixture.seed(s3, names, size));
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        SinkContract.storeDownForTwentySecondsThenRequestsCompleteNoneFailed(kafka, names, TIMINGS, size -> S3Fixture.seed(s3, names, size));
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        SinkContract.sigtermFinishesTheBatchAndStopsCleanly(kafka, names, size -> S3Fixture.seed(s3, names, size));
    }
}
