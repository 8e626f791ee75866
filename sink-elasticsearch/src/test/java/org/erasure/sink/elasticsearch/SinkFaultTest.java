package org.erasure.sink.elasticsearch;

import java.time.Duration;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.sink.runtime.testkit.FaultTimings;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and Elasticsearch (scenarios in SinkContract). */
@DevStackTest
@Order(3)
class SinkFaultTest {

    /** The node shares the test JVM and the 2 cores: a smaller crash run with a wider commit window and longer waits. */
    private static final FaultTimings TIMINGS = new FaultTimings(150, "1500ms", 30, Duration.ofSeconds(120),
            Duration.ofSeconds(120), Duration.ofSeconds(90), true);

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        SinkContract.killedMidBatchAndRestartedLosesNoRequest(kafka, names, TIMINGS, size -> EsFixture.seed(es, names, size));
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        SinkContract.storeDownForTwentySecondsThenRequestsCompleteNoneFailed(kafka, names, TIMINGS, size -> EsFixture.seed(es, names, size));
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        SinkContract.sigtermFinishesTheBatchAndStopsCleanly(kafka, names, size -> EsFixture.seed(es, names, size));
    }
}
