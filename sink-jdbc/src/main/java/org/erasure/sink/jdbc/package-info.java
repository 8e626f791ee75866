/** What the JDBC sinks share: {@link org.erasure.sink.jdbc.JdbcPool}. */
package org.erasure.sink.jdbc;
