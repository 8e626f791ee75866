package org.erasure.devstack.seed;

import static org.assertj.core.api.Assertions.assertThat;

import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.junit.jupiter.api.Test;

@DevStackTest
class ClickHouseSeedTest {

    @Test
    void analyticsTablesHoldAHundredRowsPerContributorAndAKafkaFedTarget(ClickHouseServer clickhouse, TestNames names) {
        SampleWorld world = SampleWorld.isolated(500);
        String db = SeedNames.unique(names).chDatabase();
        SeedResult result = ClickHouseSeeder.seed(clickhouse, db, world, null);

        assertThat(result.counts()).containsEntry(db + ".unit_metrics", 30_000L)
                .containsEntry(db + ".unit_metrics_hourly", 15_000L)
                .containsEntry(db + ".accrued_contributor_stats", 5_000L);
        long first = world.firstId();
        assertThat(clickhouse.query("SELECT count(), any(email) FROM `" + db + "`.unit_metrics WHERE contributor_id = " + first).strip())
                .isEqualTo("60\t" + world.contributor(0).email());
        assertThat(clickhouse.query("SELECT uniqExact(contributor_id), min(contributor_id), max(contributor_id) FROM `" + db + "`.unit_metrics_hourly").strip())
                .isEqualTo("500\t" + first + "\t" + (first + 499));
        // contributor_id is a key column; email is not: what the ClickHouse sink relies on
        assertThat(clickhouse.query("SELECT name, is_in_sorting_key FROM system.columns WHERE database = '" + db
                + "' AND table = 'unit_metrics' AND name IN ('contributor_id', 'email') ORDER BY name").strip())
                .isEqualTo("contributor_id\t1\nemail\t0");
        assertThat(clickhouse.query("SELECT engine FROM system.tables WHERE database = '" + db + "' AND name = 'unit_metrics_hourly_queue'").strip())
                .isEqualTo("Kafka");
        assertThat(clickhouse.query("SELECT engine FROM system.tables WHERE database = '" + db
                + "' AND name = 'unit_metrics_hourly_queue_mv'").strip())
                .isEqualTo("MaterializedView");
    }
}
