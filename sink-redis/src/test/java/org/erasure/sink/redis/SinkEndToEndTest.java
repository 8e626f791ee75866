package org.erasure.sink.redis;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The happy path through the runner with the real Kafka broker and Redis (scenario in SinkContract). */
@DevStackTest
@Order(2)
class SinkEndToEndTest {

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        SinkContract.requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(kafka, names, size -> RedisFixture.seed(redis, size));
    }
}
