package org.erasure.sink.jdbc;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.erasure.sink.jdbc.TableMapping.Action;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
import org.erasure.sink.jdbc.TableMapping.Strategy;

/**
 * What a dialect accepts in its {@code tables} entries, and the parser of those entries. Common keys:
 * {@code table}, {@code action}, {@code contributor-column}, {@code email-column}, {@code columns}
 * ({@code column -> { strategy = fixed, value = "..." } | { strategy = "null" } | { strategy = hmac }}).
 * Errors name the entry and table ({@code postgres.tables[1] (people): ...}).
 *
 * @param section       the config section, for messages ({@code postgres})
 * @param defaultAction the action of an entry without one; null: {@code action} is required
 * @param strategies    the column strategies the dialect can apply, in the order messages list them
 * @param maskOnlyKeys  dialect keys that, like {@code columns}, only apply to action mask
 * @param extra         reads the dialect's own keys of an entry
 */
public record MappingRules<E>(String section, Action defaultAction, List<Strategy> strategies, List<String> maskOnlyKeys,
                              Extra<E> extra) {

    /** Reads the dialect's keys of one entry; {@code here} names it for errors. */
    @FunctionalInterface
    public interface Extra<E> {
        E read(Config entry, String here);
    }

    public MappingRules {
        strategies = List.copyOf(strategies);
        maskOnlyKeys = List.copyOf(maskOnlyKeys);
    }

    /** The entries of {@code section.tables}, in order; at least one. */
    public List<TableMapping<E>> parse(Config sectionConfig) {
        List<? extends Config> list = sectionConfig.getConfigList("tables");
        if (list.isEmpty()) {
            throw new IllegalArgumentException(section + ".tables: at least one table must be mapped");
        }
        List<TableMapping<E>> tables = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            tables.add(parse(list.get(i), section + ".tables[" + i + "]"));
        }
        return tables;
    }

    private TableMapping<E> parse(Config c, String where) {
        try {
            String table = c.getString("table");
            String here = where + " (" + table + ")";
            Action action;
            try {
                action = defaultAction != null && !c.hasPath("action") ? defaultAction
                        : Action.valueOf(c.getString("action").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(here + ": action must be delete or mask");
            }
            String contributor = c.getString("contributor-column");
            String email = c.hasPath("email-column") ? c.getString("email-column") : null;
            Map<String, ColumnStrategy> columns = c.hasPath("columns") ? columns(c.getConfig("columns"), here) : Map.of();
            if (action == Action.MASK && columns.isEmpty()) {
                throw new IllegalArgumentException(here + ": action mask needs at least one entry in columns");
            }
            if (action == Action.DELETE && (!columns.isEmpty() || maskOnlyKeys.stream().anyMatch(c::hasPath))) {
                throw new IllegalArgumentException(here + ": " + String.join("/", Stream.concat(Stream.of("columns"), maskOnlyKeys.stream()).toList())
                        + " only apply to action mask");
            }
            if (columns.containsKey(contributor)) {
                throw new IllegalArgumentException(here + ": the contributor-column '" + contributor
                        + "' is only used to match rows and cannot be masked");
            }
            return new TableMapping<>(table, action, contributor, email, columns, extra.read(c, here));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private Map<String, ColumnStrategy> columns(Config cols, String here) {
        Map<String, ColumnStrategy> columns = new LinkedHashMap<>();
        for (String column : cols.root().keySet()) {
            // Quoted: a column name with dots or odd characters is one key.
            Config s = cols.getConfig(ConfigUtil.quoteString(column));
            Strategy strategy;
            try {
                // HOCON reads an unquoted `null` as a null value: accept it as the null strategy.
                strategy = s.getIsNull("strategy") ? Strategy.NULL : Strategy.valueOf(s.getString("strategy").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                strategy = null;
            }
            if (strategy == null || !strategies.contains(strategy)) {
                throw new IllegalArgumentException(here + ": column " + column + ": strategy must be " + strategyNames());
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
        return columns;
    }

    /** "fixed, null or hmac". */
    private String strategyNames() {
        List<String> names = strategies.stream().map(s -> s.name().toLowerCase(Locale.ROOT)).toList();
        return names.size() == 1 ? names.getFirst()
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
