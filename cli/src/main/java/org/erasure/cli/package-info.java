/** erasurectl. Placeholder until its issue lands. */
package org.erasure.cli;
