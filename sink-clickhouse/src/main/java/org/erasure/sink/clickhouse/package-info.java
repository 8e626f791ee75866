/**
 * ClickHouse erasure sink: {@link org.erasure.sink.clickhouse.ClickHouseStoreModule} (config, pool,
 * catalog validation: key columns, Kafka-engine feeds) and
 * {@link org.erasure.sink.clickhouse.ClickHouseErasureStore} (one mutation per table per batch,
 * awaited through system.mutations; dry run; verify). Registered in META-INF/services, run by
 * {@link org.erasure.sink.runtime.SinkMain}. See README.md.
 */
package org.erasure.sink.clickhouse;
