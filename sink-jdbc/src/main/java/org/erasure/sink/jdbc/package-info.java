/**
 * What the JDBC sinks share: the pool ({@link org.erasure.sink.jdbc.JdbcPool}), the table mapping and its
 * parsing ({@link org.erasure.sink.jdbc.TableMapping}, {@link org.erasure.sink.jdbc.MappingRules}), its checks
 * against the live catalog ({@link org.erasure.sink.jdbc.MappingValidator} over a
 * {@link org.erasure.sink.jdbc.CatalogDialect}), a batch's keys per table ({@link org.erasure.sink.jdbc.BatchKeys})
 * and the store base ({@link org.erasure.sink.jdbc.JdbcErasureStore}). See README.md.
 */
package org.erasure.sink.jdbc;
