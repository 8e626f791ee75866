package org.erasure.devstack.seed;

import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.erasure.devstack.clickhouse.ClickHouseServer;

/**
 * Creates the analytics tables of database {@code kepler} and fills them server-side
 * ({@code INSERT ... SELECT FROM numbers()}), so millions of rows load in seconds. The email
 * expression is {@link SampleWorld#email(long)} written in SQL.
 *
 * <p>{@code unit_metrics_hourly} is also fed by a Kafka-engine table through a materialized view,
 * as in production: the engine table cannot be mutated, its target can.
 *
 * <p>Statements go through a {@code UnaryOperator<String>} (statement in, response body out), so the
 * same code seeds the dev-stack's server and one it did not start (docker compose, {@code StackTool}).
 */
public final class ClickHouseSeeder {

    private static final DateTimeFormatter CH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private ClickHouseSeeder() {}

    /**
     * @param kafkaBootstrap the broker the Kafka-engine table reads from; null when no broker runs
     *                       (the table is still created, it just finds nothing to read)
     */
    public static SeedResult seed(ClickHouseServer clickhouse, String database, SampleWorld world, String kafkaBootstrap) {
        return seed(clickhouse::query, database, world, kafkaBootstrap);
    }

    /** As {@link #seed(ClickHouseServer, String, SampleWorld, String)}; {@code clickhouse} runs one statement. */
    public static SeedResult seed(UnaryOperator<String> clickhouse, String database, SampleWorld world, String kafkaBootstrap) {
        long begin = System.nanoTime();
        String db = quote(database);
        String email = "concat('contributor.', toString(contributor_id), '@" + SampleWorld.EMAIL_DOMAIN + "')";
        String ref = "toDateTime('" + CH_TIME.format(world.reference()) + "', 'UTC')";
        long first = world.firstId();
        long n = world.size();

        createSchema(clickhouse, database, kafkaBootstrap);

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
            counts.put(database + "." + table, Long.parseLong(clickhouse.apply("SELECT count() FROM " + db + "." + table).strip()));
        }
        return new SeedResult("clickhouse", counts, Duration.ofNanos(System.nanoTime() - begin));
    }

    /**
     * The database and its tables, empty (idempotent: IF NOT EXISTS). What the ClickHouse sink's default mapping
     * validates at start.
     */
    public static void createSchema(UnaryOperator<String> clickhouse, String database, String kafkaBootstrap) {
        String db = quote(database);
        clickhouse.apply("CREATE DATABASE IF NOT EXISTS " + db);
        clickhouse.apply("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_UNIT_METRICS + " ("
                + " contributor_id UInt64, unit_id UInt64, project_id UInt64, email String,"
                + " event_time DateTime('UTC'), judgments UInt32, seconds_spent Float32)"
                + " ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (contributor_id, event_time)");
        clickhouse.apply("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_UNIT_METRICS_HOURLY + " ("
                + " contributor_id UInt64, hour DateTime('UTC'), project_id UInt64, email String, judgments UInt32)"
                + " ENGINE = MergeTree ORDER BY (contributor_id, hour)");
        clickhouse.apply("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_ACCRUED_STATS + " ("
                + " contributor_id UInt64, project_id UInt64, email String, total_judgments UInt64, accrued_on Date)"
                + " ENGINE = ReplacingMergeTree ORDER BY (contributor_id, project_id)");
        clickhouse.apply("CREATE TABLE IF NOT EXISTS " + db + "." + SampleWorld.CH_KAFKA_QUEUE + " ("
                + " contributor_id UInt64, hour DateTime('UTC'), project_id UInt64, email String, judgments UInt32)"
                + " ENGINE = Kafka SETTINGS kafka_broker_list = '" + (kafkaBootstrap == null ? "127.0.0.1:9" : kafkaBootstrap) + "',"
                + " kafka_topic_list = '" + kafkaTopic(database) + "', kafka_group_name = '" + database + "-hourly',"
                + " kafka_format = 'JSONEachRow'");
        clickhouse.apply("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + "." + SampleWorld.CH_KAFKA_QUEUE + "_mv TO "
                + db + "." + SampleWorld.CH_UNIT_METRICS_HOURLY + " AS SELECT * FROM " + db + "." + SampleWorld.CH_KAFKA_QUEUE);
    }

    /** The topic the Kafka-engine table of {@code database} reads. */
    public static String kafkaTopic(String database) {
        return database + ".unit-metrics-hourly";
    }

    private static String quote(String database) {
        return "`" + database.replace("`", "") + "`";
    }

    /** {@code rowsPer} rows for each contributor; {@code number} counts rows, contributor_id is derived from it. */
    private static void insert(UnaryOperator<String> clickhouse, String table, String columns, long firstId, long contributors, int rowsPer) {
        clickhouse.apply("INSERT INTO " + table + " SELECT " + columns.replace("contributor_id,", "contributor_id AS contributor_id,")
                + " FROM (SELECT number, toUInt64(" + firstId + " + intDiv(number, " + rowsPer + ")) AS contributor_id"
                + " FROM numbers(" + contributors * rowsPer + "))");
    }
}
