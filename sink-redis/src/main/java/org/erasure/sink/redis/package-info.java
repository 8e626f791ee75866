/** Erasure sink for redis. Placeholder until its issue lands. */
package org.erasure.sink.redis;
