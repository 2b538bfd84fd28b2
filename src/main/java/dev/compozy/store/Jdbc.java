package dev.compozy.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Parameter binding and row reading for the repositories' native SQL; every value is a bound parameter. */
final class Jdbc {
    private Jdbc() {
    }

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Binds {@code args} to parameters 1..n; {@link Instant}s as {@code timestamptz}, nulls as untyped NULL. */
    public static void bind(PreparedStatement statement, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            bind(statement, i + 1, args[i]);
        }
    }

    public static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else if (value instanceof Instant instant) {
            statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else if (value instanceof String text) {
            statement.setString(index, text);
        } else {
            statement.setObject(index, value);
        }
    }

    /** Runs a query and maps every row. */
    public static <T> List<T> query(Connection connection, String sql, RowMapper<T> mapper, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            try (ResultSet rows = statement.executeQuery()) {
                return mapAll(rows, mapper);
            }
        }
    }

    /**
     * Runs {@code leading}, a statement without parameters or rows, and then a query, in one round trip:
     * the driver sends a text of several statements in one go and waits once. Maps every row of the query;
     * {@code args} are the query's.
     */
    public static <T> List<T> queryAfter(Connection connection, String leading, String sql, RowMapper<T> mapper,
            Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(leading + ";\n" + sql)) {
            bind(statement, args);
            boolean rowsNext = statement.execute();
            while (!rowsNext) {
                if (statement.getUpdateCount() == -1) {
                    throw new SQLException("no rows came back from: " + sql);
                }
                rowsNext = statement.getMoreResults();
            }
            try (ResultSet rows = statement.getResultSet()) {
                return mapAll(rows, mapper);
            }
        }
    }

    private static <T> List<T> mapAll(ResultSet rows, RowMapper<T> mapper) throws SQLException {
        List<T> result = new ArrayList<>();
        while (rows.next()) {
            result.add(mapper.map(rows));
        }
        return result;
    }

    /** Runs a query and maps its first row, or returns null when there is none. */
    public static <T> T queryFirst(Connection connection, String sql, RowMapper<T> mapper, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? mapper.map(rows) : null;
            }
        }
    }

    /** Runs a statement and returns its update count. */
    public static int update(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            return statement.executeUpdate();
        }
    }

    public static Instant instant(ResultSet row, String column) throws SQLException {
        return instant(row, row.findColumn(column));
    }

    public static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
