/**
 * Elasticsearch erasure sink: {@link org.erasure.sink.elasticsearch.ElasticsearchStoreModule} (config,
 * client, field validation) and {@link org.erasure.sink.elasticsearch.ElasticsearchErasureStore}
 * (one terms query per batch and target, point-in-time + search_after, bulk partial updates with
 * if_seq_no/if_primary_term, dry run, verify). Masking of one document is
 * {@link org.erasure.sink.elasticsearch.DocumentMasker}. Registered in
 * META-INF/services, run by {@link org.erasure.sink.runtime.SinkMain}. See README.md.
 */
package org.erasure.sink.elasticsearch;
