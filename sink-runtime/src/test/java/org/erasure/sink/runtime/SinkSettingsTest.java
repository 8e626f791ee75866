package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.erasure.events.RequestLane;
import org.erasure.events.Phase;
import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    private static SinkSettings settings(String hocon) {
        Config c = SinkConfig.fromString(hocon + "\nstore {}");
        return SinkSettings.from(c, Phase.POSTGRES, "sink-test");
    }

    @Test
    void overridesThatWouldSwitchOffExactlyOnceAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> settings("sink.kafka.consumer { \"enable.auto.commit\" = true }"))
                .hasMessageContaining("sink.kafka.consumer sets 'enable.auto.commit'");
        assertThatThrownBy(() -> settings("sink.kafka.consumer { \"isolation.level\" = read_uncommitted }"))
                .hasMessageContaining("'isolation.level'");
        assertThatThrownBy(() -> settings("sink.kafka.producer { \"transactional.id\" = x }"))
                .hasMessageContaining("sink.kafka.producer sets 'transactional.id'");
        assertThatThrownBy(() -> settings("sink.kafka.producer { \"enable.idempotence\" = false }"))
                .hasMessageContaining("'enable.idempotence'");
        assertThatThrownBy(() -> settings("sink.kafka.client { acks = 1 }"))
                .hasMessageContaining("sink.kafka.client sets 'acks'");
        assertThat(settings("sink.kafka.consumer { \"fetch.min.bytes\" = 1 }").consumerOverrides()).containsKey("fetch.min.bytes");
    }

    @Test
    void theHealthChecksAdminClientUsesTheSameSecuritySettingsAsTheLoop() {
        SinkSettings s = settings("""
                sink.kafka.client { "security.protocol" = SASL_SSL, "sasl.mechanism" = PLAIN }
                sink.kafka.consumer { "ssl.truststore.location" = "/etc/kafka/ts.jks", "fetch.min.bytes" = 1 }
                """);
        Map<String, Object> admin = HealthServer.adminProperties(s);
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("ssl.truststore.location", "/etc/kafka/ts.jks")
                .containsEntry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092")
                .doesNotContainKey("fetch.min.bytes");
        assertThat(s.consumerClientProperties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(s.producerClientProperties()).containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void lanesHaveTheirOwnGroupsAndTransactionalIds() {
        SinkSettings s = settings("sink.instance-id = a");
        assertThat(s.groupId(RequestLane.INTERACTIVE)).isEqualTo("sink-test");
        assertThat(s.groupId(RequestLane.BULK)).isEqualTo("sink-test-bulk");
        assertThat(s.instanceName(RequestLane.INTERACTIVE)).isEqualTo("sink-test-a");
        assertThat(s.instanceName(RequestLane.BULK)).isEqualTo("sink-test-a-bulk");
        assertThat(s.bulkLane()).isTrue();
        assertThat(s.initialBatch()).isLessThanOrEqualTo(s.maxBatch());
    }
}
