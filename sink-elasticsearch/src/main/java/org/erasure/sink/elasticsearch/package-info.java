/** Erasure sink for elasticsearch. Placeholder until its issue lands. */
package org.erasure.sink.elasticsearch;
