/** Ingest service: HTTP and CSV intake that validates and publishes erasure requests. */
package org.erasure.ingest;
