package org.erasure.sink.clickhouse;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.sink.jdbc.CatalogDialect;
import org.erasure.sink.jdbc.Column;
import org.erasure.sink.jdbc.MappingRules;
import org.erasure.sink.jdbc.MappingValidator;
import org.erasure.sink.jdbc.TableMapping;
import org.erasure.sink.jdbc.TableMapping.Action;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
import org.erasure.sink.jdbc.TableMapping.Strategy;

/**
 * ClickHouse's side of the shared mapping checks ({@link MappingValidator}): tables and engines from
 * {@code system.tables}, columns and their key membership from {@code system.columns}, the type names;
 * and what only ClickHouse has: which PII columns are key columns (sorting, partition or primary key:
 * ClickHouse cannot UPDATE them, Code 420) and which mapped tables are fed by Kafka-engine tables.
 */
final class Catalog implements CatalogDialect {

    static final Set<String> INTEGER_TYPES = Set.of("UInt8", "UInt16", "UInt32", "UInt64", "Int8", "Int16", "Int32", "Int64");
    private static final Pattern MV_TARGET = Pattern.compile("\\bTO\\s+((?:`(?:[^`\\\\]|\\\\.)+`|[A-Za-z0-9_]+)(?:\\.(?:`(?:[^`\\\\]|\\\\.)+`|[A-Za-z0-9_]+))?)");
    private static final Pattern KAFKA_TOPICS = Pattern.compile("kafka_topic_list\\s*=\\s*'([^']*)'");

    /** reject: startup fails; delete: the matching rows are deleted instead; report: the key column is left and reported. */
    enum KeyColumnStrategy { REJECT, DELETE, REPORT }

    private final String database;
    private final Map<String, String> engines;

    private Catalog(String database, Map<String, String> engines) {
        this.database = database;
        this.engines = engines;
    }

    /**
     * {@code clickhouse.tables}: action mask unless said; fixed or null (no hmac: a mutation is SQL text
     * run later, with no key to hand); the extra is the key-column strategy, by default
     * {@code clickhouse.key-column-strategy}.
     */
    static MappingRules<KeyColumnStrategy> rules(Config clickhouse) {
        KeyColumnStrategy defaultKey = keyStrategy(clickhouse.getString("key-column-strategy"), "clickhouse.key-column-strategy");
        return new MappingRules<>("clickhouse", Action.MASK, List.of(Strategy.FIXED, Strategy.NULL), List.of(),
                (entry, here) -> entry.hasPath("key-column-strategy")
                        ? keyStrategy(entry.getString("key-column-strategy"), here + ": key-column-strategy") : defaultKey);
    }

    private static KeyColumnStrategy keyStrategy(String value, String where) {
        try {
            return KeyColumnStrategy.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": must be reject, delete or report (was '" + value + "')");
        }
    }

    /** A Kafka-engine table feeding a mapped table through a materialized view. */
    record KafkaFeed(String kafkaTable, String view, String topics) {}

    /**
     * A validated table: the effective action (a mask table whose PII is in a key column and uses
     * key-column-strategy = delete is a delete table), the columns to UPDATE, the key columns left.
     */
    record ResolvedTable(TableMapping<KeyColumnStrategy> mapping, String qualifiedName, Action action, Map<String, ColumnStrategy> maskColumns,
                         List<String> reportedKeyColumns, boolean numericId, String idType, List<KafkaFeed> feeds,
                         String keyNote, List<String> sortingKey, Map<String, String> columnTypes) {
        String name() {
            return mapping.table();
        }
    }

    static List<ResolvedTable> resolve(Connection c, String database, List<TableMapping<KeyColumnStrategy>> tables) throws SQLException {
        Map<String, String> engines = new LinkedHashMap<>();
        Map<String, String> createQueries = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, engine, create_table_query FROM system.tables WHERE database = " + Sql.str(database))) {
            while (rs.next()) {
                engines.put(rs.getString(1), rs.getString(2));
                createQueries.put(rs.getString(1), rs.getString(3));
            }
        }
        if (engines.isEmpty()) {
            throw new IllegalArgumentException("clickhouse.database '" + database + "' not found or has no tables");
        }
        Map<String, List<KafkaFeed>> feeds = kafkaFeeds(c, database, engines, createQueries);
        return MappingValidator.resolve(c, new Catalog(database, engines), "clickhouse", tables, (t, where, columns) -> {
            Column id = columns.get(t.contributorColumn());
            Map<String, ColumnStrategy> mask = new LinkedHashMap<>();
            List<Column> keyPii = new ArrayList<>();
            t.columns().forEach((name, strategy) -> {
                if (columns.get(name).inKey()) {
                    keyPii.add(columns.get(name));
                } else {
                    mask.put(name, strategy);
                }
            });
            Action action = t.action();
            List<String> reported = List.of();
            String keyNote = null;
            if (!keyPii.isEmpty()) {
                String names = String.join(", ", keyPii.stream().map(k -> k.name() + " (" + String.join(", ", k.keys()) + ")").toList());
                switch (t.extra()) {
                    case REJECT -> throw new IllegalArgumentException(where + ": column(s) " + names
                            + " would be masked by ALTER TABLE ... UPDATE, but ClickHouse cannot UPDATE key columns (Code 420, CANNOT_UPDATE_COLUMN). "
                            + "Set key-column-strategy = delete (delete the matching rows) or report (leave the key columns as they are and report it), "
                            + "or remove the column(s) from the mapping");
                    case DELETE -> {
                        action = Action.DELETE;
                        mask.clear();
                        keyNote = "PII column(s) " + names + " cannot be updated: matching rows deleted instead (key-column-strategy = delete)";
                    }
                    case REPORT -> {
                        reported = keyPii.stream().map(Column::name).toList();
                        keyNote = "PII column(s) " + names + " cannot be updated and were left as they are (key-column-strategy = report)";
                    }
                }
            }
            return new ResolvedTable(t, Sql.quote(database) + "." + Sql.quote(t.table()), action, mask, reported,
                    INTEGER_TYPES.contains(baseType(id.type())), id.type(), feeds.getOrDefault(t.table(), List.of()), keyNote,
                    columns.values().stream().filter(col -> col.keys().contains("sorting key")).map(Column::name).toList(),
                    columns.values().stream().collect(java.util.stream.Collectors.toMap(Column::name, Column::type, (a, b) -> a, LinkedHashMap::new)));
        });
    }

    @Override
    public String container() {
        return "database '" + database + "'";
    }

    /** The table's columns; its engine is checked first ({@link #checkEngine}). */
    @Override
    public Map<String, Column> columns(Connection c, String table, String where) throws SQLException {
        String engine = engines.get(table);
        if (engine == null) {
            return Map.of();
        }
        checkEngine(where, engine);
        Map<String, Column> columns = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, type, is_in_sorting_key, is_in_partition_key, is_in_primary_key"
                     + " FROM system.columns WHERE database = " + Sql.str(database) + " AND table = " + Sql.str(table))) {
            while (rs.next()) {
                List<String> keys = new ArrayList<>();
                if (rs.getInt(3) != 0) keys.add("sorting key");
                if (rs.getInt(4) != 0) keys.add("partition key");
                if (rs.getInt(5) != 0) keys.add("primary key");
                String type = rs.getString(2);
                boolean nullable = type.startsWith("Nullable(") || type.startsWith("LowCardinality(Nullable(");
                columns.put(rs.getString(1), new Column(rs.getString(1), type, nullable, keys));
            }
        }
        return columns;
    }

    @Override
    public boolean isIdType(String type) {
        return INTEGER_TYPES.contains(baseType(type)) || isString(type);
    }

    @Override
    public String idTypes() {
        return "(U)Int8..64, String";
    }

    @Override
    public boolean isText(String type) {
        return isString(type);
    }

    @Override
    public String textWord() {
        return "String";
    }

    @Override
    public String nullableWord() {
        return "Nullable";
    }

    /**
     * Only local {@code *MergeTree} tables: their mutations read the batch's ids from a Memory table
     * on this server. A replicated table's mutation runs on every replica, where that table does not
     * exist, and ClickHouse refuses a subquery in it unless {@code allow_nondeterministic_mutations = 1}.
     */
    static void checkEngine(String where, String engine) {
        if (engine.equals("Kafka")) {
            throw new IllegalArgumentException(where + ": is a Kafka-engine table; it is never mutated (it holds no rows): "
                    + "map the target table of its materialized view instead");
        }
        if (!engine.endsWith("MergeTree")) {
            throw new IllegalArgumentException(where + ": engine " + engine + " cannot be mutated; only *MergeTree tables are supported");
        }
        if (engine.startsWith("Replicated") || engine.startsWith("Shared")) {
            throw new IllegalArgumentException(where + ": engine " + engine + " is not supported: the sink's mutations read the batch's "
                    + "identifiers from a Memory table on this server, which other replicas do not have (and ClickHouse refuses "
                    + "subqueries in mutations of replicated tables unless allow_nondeterministic_mutations = 1)");
        }
    }

    /** Kafka-engine tables of the database → materialized views reading them → the views' TO tables. */
    static Map<String, List<KafkaFeed>> kafkaFeeds(Connection c, String database, Map<String, String> engines,
                                                   Map<String, String> createQueries) throws SQLException {
        Map<String, List<KafkaFeed>> feeds = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : engines.entrySet()) {
            if (!e.getValue().equals("Kafka")) {
                continue;
            }
            String kafka = e.getKey();
            Matcher tm = KAFKA_TOPICS.matcher(createQueries.get(kafka));
            String topics = tm.find() ? tm.group(1) : "?";
            List<String[]> views = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT v.1, v.2, t.create_table_query FROM system.tables k"
                         + " ARRAY JOIN arrayZip(k.dependencies_database, k.dependencies_table) AS v"
                         + " LEFT JOIN system.tables t ON t.database = v.1 AND t.name = v.2"
                         + " WHERE k.database = " + Sql.str(database) + " AND k.name = " + Sql.str(kafka))) {
                while (rs.next()) {
                    views.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] v : views) {
                Matcher m = MV_TARGET.matcher(v[2] == null ? "" : v[2]);
                if (!m.find()) {
                    continue;
                }
                String[] target = splitName(m.group(1), v[0]);
                if (!target[0].equals(database)) {
                    continue;
                }
                feeds.computeIfAbsent(target[1], k -> new ArrayList<>()).add(new KafkaFeed(kafka, v[1], topics));
            }
        }
        return feeds;
    }

    private static String[] splitName(String qualified, String defaultDb) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < qualified.length(); i++) {
            char ch = qualified.charAt(i);
            if (ch == '\\' && quoted && i + 1 < qualified.length()) {
                cur.append(qualified.charAt(++i));
            } else if (ch == '`') {
                quoted = !quoted;
            } else if (ch == '.' && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        return parts.size() == 1 ? new String[] {defaultDb, parts.get(0)} : new String[] {parts.get(0), parts.get(1)};
    }

    /** {@code LowCardinality(Nullable(String))} → {@code String}. */
    static String baseType(String type) {
        String t = type.strip();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String wrapper : new String[] {"LowCardinality(", "Nullable("}) {
                if (t.startsWith(wrapper) && t.endsWith(")")) {
                    t = t.substring(wrapper.length(), t.length() - 1);
                    changed = true;
                }
            }
        }
        return t;
    }

    static boolean isString(String type) {
        String b = baseType(type);
        return b.equals("String") || b.startsWith("FixedString(");
    }
}
