/** erasurectl: submit, status, fetch-inactive, replay, audit. Entry point {@link org.erasure.cli.ErasureCtl}. */
package org.erasure.cli;
