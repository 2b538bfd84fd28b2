package dev.compozy.store;

import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxFunction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * How the repositories send SQL: one call per statement, every value a bound parameter ({@link Jdbc#bind}).
 *
 * <p>Called with an operation's name, a statement is a whole repository operation: it runs in the thread's
 * transaction if there is one, otherwise on its own in auto-commit mode (see
 * {@link Transactions#runStatement}), timed, with a failure reported as a {@code StoreException} naming the
 * operation. Called with a {@link Tx}, it is one statement of an operation already running in that
 * transaction ({@link #inTransaction}). Either way the JDBC runs on the entity manager's connection.
 */
final class Statements {
    private static final String SET_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

    private final Transactions transactions;

    Statements(Transactions transactions) {
        this.transactions = transactions;
    }

    <T> List<T> query(String operation, String sql, Jdbc.RowMapper<T> rows, Object... args) {
        return transactions.runStatement(operation, tx -> query(tx, sql, rows, args));
    }

    /** The first row mapped, or {@code null} when there is none. */
    <T> T queryFirst(String operation, String sql, Jdbc.RowMapper<T> rows, Object... args) {
        return transactions.runStatement(operation, tx -> queryFirst(tx, sql, rows, args));
    }

    /** The update count. */
    int update(String operation, String sql, Object... args) {
        return transactions.runStatement(operation, tx -> update(tx, sql, args));
    }

    /**
     * Read-only work of several statements that must see one snapshot, beginning with a query whose rows
     * go to {@code then}: a new transaction at REPEATABLE READ, READ ONLY, or the thread's open transaction
     * (at its isolation level) if there is one. A new transaction's SET TRANSACTION travels with the first
     * query, so that it costs no round trip of its own (measured: a page of 50 executions with their tasks
     * went from 0.93 to 1.0 of a hand-written baseline that keeps a connection at REPEATABLE READ).
     */
    <R, T> T snapshot(
            String operation, String firstQuery, Object[] args, Jdbc.RowMapper<R> rows, SnapshotWork<R, T> then) {
        boolean joins = transactions.joinsOpenTransaction(operation);
        return transactions.run(
                operation,
                tx -> then.apply(
                        tx,
                        tx.withConnection(c -> joins
                                ? query(c, firstQuery, rows, args)
                                : queryAfter(c, SET_SNAPSHOT, firstQuery, rows, args))));
    }

    /** What {@link #snapshot} does with the first query's rows, in the same snapshot. */
    @FunctionalInterface
    interface SnapshotWork<R, T> {
        T apply(Tx tx, List<R> firstRows);
    }

    /**
     * An operation whose statements need no transaction of their own (one write, perhaps followed by a read
     * that explains a refusal): like {@link #query}, in the thread's transaction or in auto-commit mode.
     */
    <T> T statement(String operation, TxFunction<T, RuntimeException> work) {
        return transactions.runStatement(operation, work);
    }

    /** A repository operation of several statements, in one transaction (the thread's, or a new one). */
    <T> T inTransaction(String operation, TxFunction<T, RuntimeException> work) {
        return transactions.run(operation, work);
    }

    /**
     * An operation in the caller's transaction, which must be open on this thread.
     *
     * @throws IllegalStateException otherwise, naming the operation
     */
    <T> T inTransaction(Tx callers, String operation, TxFunction<T, RuntimeException> work) {
        transactions.requireActive(callers, operation);
        return transactions.run(operation, work);
    }

    /** Takes a row lock and reports the time it took, waits for other holders included. */
    <T> T lock(String operation, Supplier<T> locking) {
        return transactions.lock(operation, locking);
    }

    static <T> List<T> query(Tx tx, String sql, Jdbc.RowMapper<T> rows, Object... args) {
        return tx.withConnection(c -> query(c, sql, rows, args));
    }

    static <T> T queryFirst(Tx tx, String sql, Jdbc.RowMapper<T> rows, Object... args) {
        return tx.withConnection(c -> {
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                Jdbc.bind(statement, args);
                try (ResultSet result = statement.executeQuery()) {
                    return result.next() ? rows.map(result) : null;
                }
            }
        });
    }

    static int update(Tx tx, String sql, Object... args) {
        return tx.withConnection(c -> {
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                Jdbc.bind(statement, args);
                return statement.executeUpdate();
            }
        });
    }

    /**
     * A query read through a cursor, {@code fetchSize} rows per round trip, each row handed to {@code each}
     * as it arrives. The driver uses a cursor only with auto-commit off, so this needs a transaction.
     */
    static void forEach(Tx tx, String sql, int fetchSize, Jdbc.RowConsumer each, Object... args) {
        tx.withConnection(c -> {
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                statement.setFetchSize(fetchSize);
                Jdbc.bind(statement, args);
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        each.accept(result);
                    }
                }
            }
            return null;
        });
    }

    /**
     * One statement run for every argument list, sent as one JDBC batch; a failure says which entry broke
     * and keeps the SQLState.
     */
    static void batch(Tx tx, String sql, List<Object[]> argsPerRow) {
        tx.withConnection(c -> {
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                for (Object[] args : argsPerRow) {
                    Jdbc.bind(statement, args);
                    statement.addBatch();
                }
                return statement.executeBatch();
            } catch (SQLException e) {
                SQLException next = e.getNextException();
                throw new SQLException(
                        "batch of " + argsPerRow.size() + " rows failed: "
                                + (next != null ? next.getMessage() : e.getMessage()),
                        e.getSQLState(),
                        e);
            }
        });
    }

    private static <T> List<T> query(Connection connection, String sql, Jdbc.RowMapper<T> rows, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            Jdbc.bind(statement, args);
            try (ResultSet result = statement.executeQuery()) {
                return mapAll(result, rows);
            }
        }
    }

    /**
     * Runs {@code leading}, a statement without parameters or rows, and then a query, in one round trip:
     * the driver sends a text of several statements in one go and waits once.
     */
    private static <T> List<T> queryAfter(
            Connection connection, String leading, String sql, Jdbc.RowMapper<T> rows, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(leading + ";\n" + sql)) {
            Jdbc.bind(statement, args);
            boolean rowsNext = statement.execute();
            while (!rowsNext) {
                if (statement.getUpdateCount() == -1) {
                    throw new SQLException("no rows came back from: " + sql);
                }
                rowsNext = statement.getMoreResults();
            }
            try (ResultSet result = statement.getResultSet()) {
                return mapAll(result, rows);
            }
        }
    }

    private static <T> List<T> mapAll(ResultSet result, Jdbc.RowMapper<T> rows) throws SQLException {
        List<T> mapped = new ArrayList<>();
        while (result.next()) {
            mapped.add(rows.map(result));
        }
        return mapped;
    }
}
