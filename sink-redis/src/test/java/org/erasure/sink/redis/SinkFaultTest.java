package org.erasure.sink.redis;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.sink.runtime.testkit.FaultTimings;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and Redis (scenarios in SinkContract). */
@DevStackTest
@Order(3)
class SinkFaultTest {

    private static final FaultTimings TIMINGS = FaultTimings.DEFAULT;

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        SinkContract.killedMidBatchAndRestartedLosesNoRequest(kafka, names, TIMINGS, size -> RedisFixture.seed(redis, size));
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        SinkContract.storeDownForTwentySecondsThenRequestsCompleteNoneFailed(kafka, names, TIMINGS, size -> RedisFixture.seed(redis, size));
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        SinkContract.sigtermFinishesTheBatchAndStopsCleanly(kafka, names, size -> RedisFixture.seed(redis, size));
    }
}
