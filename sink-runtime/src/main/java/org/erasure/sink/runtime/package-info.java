/** Shared sink mechanics (issue: sink runtime). Placeholder until that issue lands. */
package org.erasure.sink.runtime;
