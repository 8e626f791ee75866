/** Erasure sink for postgres. Placeholder until its issue lands. */
package org.erasure.sink.postgres;
