/**
 * S3 erasure sink: {@link org.erasure.sink.s3.S3StoreModule} (config, client, bucket checks),
 * {@link org.erasure.sink.s3.S3Target} (prefix templates, id safety) and
 * {@link org.erasure.sink.s3.S3ErasureStore} (version-aware listing, chunked DeleteObjects, dry run,
 * verify). Registered in META-INF/services, run by {@link org.erasure.sink.runtime.SinkMain}. See README.md.
 */
package org.erasure.sink.s3;
