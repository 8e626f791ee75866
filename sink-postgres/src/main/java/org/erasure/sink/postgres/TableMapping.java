package org.erasure.sink.postgres;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One entry of {@code postgres.tables}: what to do with one table (parsed, not yet validated against the catalog). */
public record TableMapping(String table, Action action, String contributorColumn, String emailColumn,
                           Map<String, ColumnStrategy> columns, String erasedAtColumn) {

    public enum Action { DELETE, MASK }

    public enum Strategy { FIXED, NULL, HMAC }

    /** How a masked column is overwritten. {@code value} only for FIXED. */
    public record ColumnStrategy(Strategy strategy, String value) {}

    public TableMapping {
        columns = Map.copyOf(columns);
    }

    public boolean hasEmail() {
        return emailColumn != null;
    }

    static List<TableMapping> parse(Config postgres) {
        List<? extends Config> list = postgres.getConfigList("tables");
        if (list.isEmpty()) {
            throw new IllegalArgumentException("postgres.tables: at least one table must be mapped");
        }
        List<TableMapping> tables = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            tables.add(parse(list.get(i), "postgres.tables[" + i + "]"));
        }
        return tables;
    }

    private static TableMapping parse(Config c, String where) {
        try {
            String table = c.getString("table");
            Action action;
            try {
                action = Action.valueOf(c.getString("action").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " (" + table + "): action must be delete or mask");
            }
            String contributor = c.getString("contributor-column");
            String email = c.hasPath("email-column") ? c.getString("email-column") : null;
            String erasedAt = c.hasPath("erased-at-column") ? c.getString("erased-at-column") : null;
            Map<String, ColumnStrategy> columns = new LinkedHashMap<>();
            if (c.hasPath("columns")) {
                Config cols = c.getConfig("columns");
                for (String column : cols.root().keySet()) {
                    Config s = cols.getConfig(ConfigQuote.key(column));
                    Strategy strategy;
                    try {
                        // HOCON reads an unquoted `null` as a null value: accept it as the null strategy.
                        strategy = s.getIsNull("strategy") ? Strategy.NULL
                                : Strategy.valueOf(s.getString("strategy").toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(where + " (" + table + "): column " + column
                                + ": strategy must be fixed, null or hmac");
                    }
                    String value = null;
                    if (strategy == Strategy.FIXED) {
                        if (!s.hasPath("value")) {
                            throw new IllegalArgumentException(where + " (" + table + "): column " + column + ": fixed strategy needs a value");
                        }
                        value = s.getString("value");
                    }
                    columns.put(column, new ColumnStrategy(strategy, value));
                }
            }
            if (action == Action.MASK && columns.isEmpty()) {
                throw new IllegalArgumentException(where + " (" + table + "): action mask needs at least one entry in columns");
            }
            if (action == Action.DELETE && (!columns.isEmpty() || erasedAt != null)) {
                throw new IllegalArgumentException(where + " (" + table + "): columns/erased-at-column only apply to action mask");
            }
            return new TableMapping(table, action, contributor, email, columns, erasedAt);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** Quotes a HOCON key so column names with dots or odd characters are read as one key. */
    static final class ConfigQuote {
        static String key(String k) {
            return com.typesafe.config.ConfigUtil.quoteString(k);
        }
    }
}
