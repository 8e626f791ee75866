package org.erasure.sink.jdbc;

import java.util.List;

/**
 * A column as the dialect's catalog describes it.
 *
 * @param type     the catalog's type name ({@code int8}, {@code LowCardinality(Nullable(String))})
 * @param nullable whether the column takes NULL
 * @param keys     the table keys the column is part of, where the dialect cannot update those
 *                 (ClickHouse: "sorting key", "partition key", "primary key"); empty otherwise
 */
public record Column(String name, String type, boolean nullable, List<String> keys) {

    public Column {
        keys = List.copyOf(keys);
    }

    public boolean inKey() {
        return !keys.isEmpty();
    }
}
