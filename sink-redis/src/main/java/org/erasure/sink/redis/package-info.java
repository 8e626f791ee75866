/**
 * Erasure sink for Redis (Redisson): key patterns with a {@code {contributorId}} placeholder (exact
 * keys UNLINKed directly, wildcard patterns found by one SCAN pass per batch and matched client-side),
 * plus removal of the id from configured sets and hashes. See the module README.
 */
package org.erasure.sink.redis;
