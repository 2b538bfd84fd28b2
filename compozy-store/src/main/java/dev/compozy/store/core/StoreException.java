package dev.compozy.store.core;

import java.sql.SQLException;

/**
 * Every failure of the store: the message says which operation failed (and on which id); a database
 * failure keeps the driver's {@link SQLException} in the cause chain, so {@link #sqlState()} tells what
 * PostgreSQL reported.
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;

    public StoreException(String operation, String message) {
        this(operation, message, null);
    }

    public StoreException(String operation, String message, Throwable cause) {
        super(operation + ": " + message, cause);
        this.operation = operation;
    }

    /** The SQLState of the first {@link SQLException} in {@code failure}'s cause chain that has one, or {@code null}. */
    public static String sqlStateOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /** The repository operation that failed, such as {@code upsertState}. */
    public String operation() {
        return operation;
    }

    /** The SQLState of the first {@link SQLException} in the cause chain, or {@code null} if there is none. */
    public String sqlState() {
        return sqlStateOf(getCause());
    }
}
