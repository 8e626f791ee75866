/** Erasure sink for clickhouse. Placeholder until its issue lands. */
package org.erasure.sink.clickhouse;
