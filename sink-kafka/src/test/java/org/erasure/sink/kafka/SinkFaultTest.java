package org.erasure.sink.kafka;

import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.FaultTimings;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The runtime's delivery guarantees under faults (scenarios in SinkContract). The store-outage scenario
 * is not run: the store here is the pipeline's own broker, and a broker cannot be cut off by a proxy in
 * front of its bootstrap address (it advertises its own); the broker restart of e2e's whole-system test covers it.
 */
@DevStackTest
@Order(3)
class SinkFaultTest {

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, TestNames names) throws Exception {
        SinkContract.killedMidBatchAndRestartedLosesNoRequest(kafka, names, FaultTimings.DEFAULT, size -> KafkaFixture.seed(kafka, names, size));
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, TestNames names) throws Exception {
        SinkContract.sigtermFinishesTheBatchAndStopsCleanly(kafka, names, size -> KafkaFixture.seed(kafka, names, size));
    }
}
