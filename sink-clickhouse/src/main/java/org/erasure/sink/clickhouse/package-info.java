/**
 * ClickHouse erasure sink: {@link org.erasure.sink.clickhouse.ClickHouseStoreModule} (config, pool,
 * catalog validation: key columns, Kafka-engine feeds) and
 * {@link org.erasure.sink.clickhouse.ClickHouseErasureStore} (one mutation per table per batch,
 * awaited through system.mutations; dry run; verify). Run with
 * {@link org.erasure.sink.clickhouse.ClickHouseSinkMain}. See README.md.
 */
package org.erasure.sink.clickhouse;
