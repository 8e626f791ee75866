package org.erasure.sink.clickhouse;

import java.time.Duration;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.FaultTimings;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and ClickHouse (scenarios in SinkContract). */
@DevStackTest
@Order(3)
class SinkFaultTest {

    /** ClickHouse mutations are slow: a smaller crash run, a longer commit window, longer waits; its outage counts no retries. */
    private static final FaultTimings TIMINGS = new FaultTimings(200, "2s", 40, Duration.ofSeconds(120),
            Duration.ofSeconds(180), Duration.ofSeconds(90), false);

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        SinkContract.killedMidBatchAndRestartedLosesNoRequest(kafka, names, TIMINGS, size -> ChFixture.seed(ch, names, size));
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        SinkContract.storeDownForTwentySecondsThenRequestsCompleteNoneFailed(kafka, names, TIMINGS, size -> ChFixture.seed(ch, names, size));
    }
}
