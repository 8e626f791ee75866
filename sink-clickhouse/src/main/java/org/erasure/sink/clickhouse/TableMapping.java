package org.erasure.sink.clickhouse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry of {@code clickhouse.tables} (parsed, not yet validated against {@code system.columns}).
 *
 * @param keyColumnStrategy what to do when a masked column is in the sorting/partition/primary key
 *                          (ClickHouse cannot UPDATE those: Code 420)
 */
public record TableMapping(String table, Action action, String contributorColumn, String emailColumn,
                           Map<String, ColumnStrategy> columns, KeyColumnStrategy keyColumnStrategy) {

    public enum Action { DELETE, MASK }

    public enum Strategy { FIXED, NULL }

    /** reject: startup fails; delete: the matching rows are deleted instead; report: the key column is left and reported. */
    public enum KeyColumnStrategy { REJECT, DELETE, REPORT }

    public record ColumnStrategy(Strategy strategy, String value) {}

    public TableMapping {
        columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }

    public boolean hasEmail() {
        return emailColumn != null;
    }

    static List<TableMapping> parse(Config clickhouse) {
        KeyColumnStrategy defaultKey = keyStrategy(clickhouse.getString("key-column-strategy"), "clickhouse.key-column-strategy");
        List<? extends Config> list = clickhouse.getConfigList("tables");
        if (list.isEmpty()) {
            throw new IllegalArgumentException("clickhouse.tables: at least one table must be mapped");
        }
        List<TableMapping> tables = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            tables.add(parse(list.get(i), "clickhouse.tables[" + i + "]", defaultKey));
        }
        return tables;
    }

    private static KeyColumnStrategy keyStrategy(String value, String where) {
        try {
            return KeyColumnStrategy.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": must be reject, delete or report (was '" + value + "')");
        }
    }

    private static TableMapping parse(Config c, String where, KeyColumnStrategy defaultKey) {
        try {
            String table = c.getString("table");
            String here = where + " (" + table + ")";
            Action action;
            try {
                action = c.hasPath("action") ? Action.valueOf(c.getString("action").toUpperCase(Locale.ROOT)) : Action.MASK;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(here + ": action must be delete or mask");
            }
            String contributor = c.getString("contributor-column");
            String email = c.hasPath("email-column") ? c.getString("email-column") : null;
            KeyColumnStrategy key = c.hasPath("key-column-strategy")
                    ? keyStrategy(c.getString("key-column-strategy"), here + ": key-column-strategy") : defaultKey;
            Map<String, ColumnStrategy> columns = new LinkedHashMap<>();
            if (c.hasPath("columns")) {
                Config cols = c.getConfig("columns");
                for (String column : cols.root().keySet()) {
                    Config s = cols.getConfig(ConfigUtil.quoteString(column));
                    Strategy strategy;
                    try {
                        strategy = s.getIsNull("strategy") ? Strategy.NULL
                                : Strategy.valueOf(s.getString("strategy").toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(here + ": column " + column + ": strategy must be fixed or null");
                    }
                    String value = null;
                    if (strategy == Strategy.FIXED) {
                        if (!s.hasPath("value")) {
                            throw new IllegalArgumentException(here + ": column " + column + ": fixed strategy needs a value");
                        }
                        value = s.getString("value");
                    }
                    columns.put(column, new ColumnStrategy(strategy, value));
                }
            }
            if (action == Action.MASK && columns.isEmpty()) {
                throw new IllegalArgumentException(here + ": action mask needs at least one entry in columns");
            }
            if (action == Action.DELETE && !columns.isEmpty()) {
                throw new IllegalArgumentException(here + ": columns only apply to action mask");
            }
            if (columns.containsKey(contributor)) {
                throw new IllegalArgumentException(here + ": the contributor-column '" + contributor
                        + "' is only used to match rows and cannot be masked");
            }
            return new TableMapping(table, action, contributor, email, columns, key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }
}
