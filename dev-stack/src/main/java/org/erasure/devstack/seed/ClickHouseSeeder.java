package org.erasure.devstack.seed;

import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.erasure.devstack.clickhouse.ClickHouseServer;

/**
 * Creates the analytics tables of database {@code kepler} and fills them server-side
 * ({@code INSERT ... SELECT FROM numbers()}), so millions of rows load in seconds. The email
 * expression is {@link SampleWorld#email(long)} written in SQL.
 *
 * <p>{@code unit_metrics_hourly} is also fed by a Kafka-engine table through a materialized view,
 * as in production: the engine table cannot be mutated, its target can.
 */
public final class ClickHouseSeeder {

    private static final DateTimeFormatter CH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private ClickHouseSeeder() {}

    /**
     * @param kafkaBootstrap the broker the Kafka-engine table reads from; null when no broker runs
     *                       (the table is still created, it just finds nothing to read)
     */
    public static SeedResult seed(ClickHouseServer clickhouse, String database, SampleWorld world, String kafkaBootstrap) {
        long begin = System.nanoTime();
        String db = "`" + database.replace("`", "") + "`";
        String email = "concat('contributor.', toString(contributor_id), '@" + SampleWorld.EMAIL_DOMAIN + "')";
        String ref = "toDateTime('" + CH_TIME.format(world.reference()) + "', 'UTC')";
        long first = world.firstId();
        long n = world.size();

        clickhouse.query("CREATE DATABASE IF NOT EXISTS " + db);
        clickhouse.query("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_UNIT_METRICS + " ("
                + " contributor_id UInt64, unit_id UInt64, project_id UInt64, email String,"
                + " event_time DateTime('UTC'), judgments UInt32, seconds_spent Float32)"
                + " ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (contributor_id, event_time)");
        clickhouse.query("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_UNIT_METRICS_HOURLY + " ("
                + " contributor_id UInt64, hour DateTime('UTC'), project_id UInt64, email String, judgments UInt32)"
                + " ENGINE = MergeTree ORDER BY (contributor_id, hour)");
        clickhouse.query("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_ACCRUED_STATS + " ("
                + " contributor_id UInt64, project_id UInt64, email String, total_judgments UInt64, accrued_on Date)"
                + " ENGINE = ReplacingMergeTree ORDER BY (contributor_id, project_id)");
        clickhouse.query("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_KAFKA_QUEUE + " ("
                + " contributor_id UInt64, hour DateTime('UTC'), project_id UInt64, email String, judgments UInt32)"
                + " ENGINE = Kafka SETTINGS kafka_broker_list = '" + (kafkaBootstrap == null ? "127.0.0.1:9" : kafkaBootstrap) + "',"
                + " kafka_topic_list = '" + database + ".unit-metrics-hourly', kafka_group_name = '" + database + "-hourly',"
                + " kafka_format = 'JSONEachRow'");
        clickhouse.query("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + "." + SampleWorld.CH_KAFKA_QUEUE + "_mv TO "
                + db + "." + SampleWorld.CH_UNIT_METRICS_HOURLY + " AS SELECT * FROM " + db + "." + SampleWorld.CH_KAFKA_QUEUE);

        insert(clickhouse, db + "." + SampleWorld.CH_UNIT_METRICS,
                "contributor_id, 70000000 + number, 9000 + (intDiv(number, 60) + number % 7) % 500, " + email + ", "
                        + ref + " - toIntervalHour(number % 1440), toUInt32(1 + number % 5), toFloat32(10 + number % 50)",
                first, n, SampleWorld.CH_UNIT_METRICS_ROWS);
        insert(clickhouse, db + "." + SampleWorld.CH_UNIT_METRICS_HOURLY,
                "contributor_id, toStartOfHour(" + ref + ") - toIntervalHour(number % " + SampleWorld.CH_HOURLY_ROWS + "),"
                        + " 9000 + number % 500, " + email + ", toUInt32(1 + number % 9)",
                first, n, SampleWorld.CH_HOURLY_ROWS);
        insert(clickhouse, db + "." + SampleWorld.CH_ACCRUED_STATS,
                "contributor_id, 9000 + number % " + SampleWorld.CH_ACCRUED_ROWS + ", " + email + ","
                        + " toUInt64(number % 1000), toDate(" + ref + ")",
                first, n, SampleWorld.CH_ACCRUED_ROWS);

        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : new String[] {SampleWorld.CH_UNIT_METRICS, SampleWorld.CH_UNIT_METRICS_HOURLY, SampleWorld.CH_ACCRUED_STATS}) {
            counts.put(database + "." + table, Long.parseLong(clickhouse.query("SELECT count() FROM " + db + "." + table).strip()));
        }
        return new SeedResult("clickhouse", counts, Duration.ofNanos(System.nanoTime() - begin));
    }

    /** {@code rowsPer} rows for each contributor; {@code number} counts rows, contributor_id is derived from it. */
    private static void insert(ClickHouseServer clickhouse, String table, String columns, long firstId, long contributors, int rowsPer) {
        clickhouse.query("INSERT INTO " + table + " SELECT " + columns.replace("contributor_id,", "contributor_id AS contributor_id,")
                + " FROM (SELECT number, toUInt64(" + firstId + " + intDiv(number, " + rowsPer + ")) AS contributor_id"
                + " FROM numbers(" + contributors * rowsPer + "))");
    }
}
