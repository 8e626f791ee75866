package org.erasure.verifier.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class InteractiveFirstUnitTest {
    static final long T = 1_800_000_000_000L;

    static ConsumerRecord<Object, Object> at(String topic, long timestamp) {
        return new ConsumerRecord<>(topic, 0, 0L, timestamp, TimestampType.CREATE_TIME, 0, 0, "k", "v", new RecordHeaders(), Optional.empty());
    }

    InteractiveFirst configured(Map<String, Object> props) {
        InteractiveFirst e = new InteractiveFirst();
        e.configure(props);
        return e;
    }

    @Test
    void interactiveRecordsAreStampedALeadEarlierAndBulkRecordsKeepTheirTime() {
        InteractiveFirst e = configured(Map.of(InteractiveFirst.TOPICS_CONFIG, "erasure.phase-completions,erasure.requests"));
        long lead = InteractiveFirst.DEFAULT_LEAD.toMillis();
        assertThat(e.extract(at("erasure.phase-completions", T), 0)).isEqualTo(T - lead);
        assertThat(e.extract(at("erasure.requests", T), 0)).isEqualTo(T - lead);
        assertThat(e.extract(at("erasure.phase-completions.bulk", T), 0)).isEqualTo(T);
        // An interactive report written 59 minutes after a queued bulk report is taken first.
        assertThat(e.extract(at("erasure.phase-completions", T + 59 * 60_000L), 0))
                .isLessThan(e.extract(at("erasure.phase-completions.bulk", T), 0));
    }

    @Test
    void theLeadIsConfigurableAndNeverMakesATimeNegative() {
        InteractiveFirst e = configured(Map.of(InteractiveFirst.TOPICS_CONFIG, "i", InteractiveFirst.LEAD_CONFIG, "1000"));
        assertThat(e.extract(at("i", T), 0)).isEqualTo(T - 1000);
        assertThat(e.extract(at("i", 10), 0)).isZero();
        assertThatThrownBy(() -> configured(Map.of(InteractiveFirst.LEAD_CONFIG, "-1")))
                .hasMessageContaining(InteractiveFirst.LEAD_CONFIG);
    }

    @Test
    void aRecordWithoutTimeKeepsItsPlace() {
        InteractiveFirst e = configured(Map.of());
        assertThat(e.extract(at("erasure.phase-completions.bulk", -1), 42)).isEqualTo(42);
    }
}
