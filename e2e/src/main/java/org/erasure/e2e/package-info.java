/** Cross-service tests and benchmarks. Placeholder until the sinks land. */
package org.erasure.e2e;
