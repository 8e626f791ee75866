/** Erasure sink for s3. Placeholder until its issue lands. */
package org.erasure.sink.s3;
