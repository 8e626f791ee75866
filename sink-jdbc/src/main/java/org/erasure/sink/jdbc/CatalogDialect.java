package org.erasure.sink.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/** What {@link MappingValidator} asks a dialect: the live columns of a table and what its type names mean. */
public interface CatalogDialect {

    /** Where the mapped tables live, for messages: {@code schema 'public'}, {@code database 'kepler'}. */
    String container();

    /**
     * The columns of {@code table} by name, read from the catalog; empty if there is no such table.
     * May reject a table the dialect cannot erase in (an engine), naming it by {@code where}.
     */
    Map<String, Column> columns(Connection c, String table, String where) throws SQLException;

    /** Whether a contributor-column of this type can be matched. */
    boolean isIdType(String type);

    /** The id types {@link #isIdType} accepts, for the message. */
    String idTypes();

    /** Whether the column holds text (email column, fixed and hmac strategies). */
    boolean isText(String type);

    /** The dialect's word for a text column: {@code text}, {@code String}. */
    String textWord();

    /**
     * The dialect's word for a nullable column ({@code Nullable}), checked for the null strategy at
     * start; null: not checked (PostgreSQL refuses the UPDATE of a NOT NULL column itself, SQLState
     * 23502, and the batch's transaction rolls back).
     */
    String nullableWord();
}
