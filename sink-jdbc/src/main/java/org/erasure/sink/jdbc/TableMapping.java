package org.erasure.sink.jdbc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of a JDBC sink's {@code tables} list, parsed by {@link MappingRules} and not yet validated
 * against the database's catalog ({@link MappingValidator}).
 *
 * @param columns the masked columns (HOCON keeps no order among an object's keys)
 * @param extra   what the dialect reads from the entry besides the common keys (PostgreSQL: the
 *                erased-at column; ClickHouse: the key-column strategy)
 */
public record TableMapping<E>(String table, Action action, String contributorColumn, String emailColumn,
                              Map<String, ColumnStrategy> columns, E extra) {

    public enum Action { DELETE, MASK }

    /** How a masked column is overwritten; a dialect accepts a subset ({@link MappingRules#strategies()}). */
    public enum Strategy { FIXED, NULL, HMAC }

    /** {@code value} only for FIXED. */
    public record ColumnStrategy(Strategy strategy, String value) {}

    public TableMapping {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }

    public boolean hasEmail() {
        return emailColumn != null;
    }

    /** How errors name entry {@code index} of {@code section}'s tables: {@code postgres.tables[2] (people)}. */
    public static String where(String section, int index, String table) {
        return section + ".tables[" + index + "] (" + table + ")";
    }
}
