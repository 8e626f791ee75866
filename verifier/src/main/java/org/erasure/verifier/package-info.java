/** Kafka Streams verifier. Placeholder until its issue lands. */
package org.erasure.verifier;
