/**
 * PostgreSQL erasure sink: {@link org.erasure.sink.postgres.PostgresStoreModule} (config, pool,
 * catalog validation) and {@link org.erasure.sink.postgres.PostgresErasureStore} (set-based erase,
 * dry run and verify). Run with {@link org.erasure.sink.postgres.PostgresSinkMain}. See README.md.
 */
package org.erasure.sink.postgres;
