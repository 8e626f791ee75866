/**
 * Kafka Streams verifier: joins {@code ContributorErasureRequested} and {@code PhaseCompleted}
 * into one hash-chained {@code ErasureCompleted} per request and revision. Sub-packages:
 * {@code topology} (the Streams topology and its state), {@code chain} (the audit routine),
 * {@code http} (status API, health, metrics), {@code config}, {@code metrics}. See README.md.
 */
package org.erasure.verifier;
