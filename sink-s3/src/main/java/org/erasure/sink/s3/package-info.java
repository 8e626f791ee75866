/**
 * S3 erasure sink: {@link org.erasure.sink.s3.S3StoreModule} (config, client, bucket checks),
 * {@link org.erasure.sink.s3.S3Target} (prefix templates, id safety) and
 * {@link org.erasure.sink.s3.S3ErasureStore} (version-aware listing, chunked DeleteObjects, dry run,
 * verify). Run with {@link org.erasure.sink.s3.S3SinkMain}. See README.md.
 */
package org.erasure.sink.s3;
