/** Ingest service. Placeholder until its issue lands. */
package org.erasure.ingest;
