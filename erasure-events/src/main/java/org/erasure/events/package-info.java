/**
 * The event contract of the erasure pipeline: the three events ({@link org.erasure.events.ContributorErasureRequested},
 * {@link org.erasure.events.PhaseCompleted}, {@link org.erasure.events.ErasureCompleted}), their value objects,
 * {@link org.erasure.events.Topics}, and the exceptions. JSON/Kafka serde lives in {@code serde}; the audit hash
 * chain and the subject digest in {@code integrity}. No I/O.
 */
package org.erasure.events;
