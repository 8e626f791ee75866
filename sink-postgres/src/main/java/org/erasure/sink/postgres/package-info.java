/**
 * PostgreSQL erasure sink: {@link org.erasure.sink.postgres.PostgresStoreModule} (config, pool,
 * catalog validation) and {@link org.erasure.sink.postgres.PostgresErasureStore} (set-based erase,
 * dry run and verify). Registered in META-INF/services, run by {@link org.erasure.sink.runtime.SinkMain}.
 * See README.md.
 */
package org.erasure.sink.postgres;
