package dev.compozy.store;

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

    /**
     * The exception for a failure of {@code operation}: typed by the SQLState in {@code cause}'s chain
     * (deadlock and serialization failure, lock timeout, statement timeout), else a plain StoreException.
     */
    public static StoreException of(String operation, String message, Throwable cause) {
        String state = sqlStateOf(cause);
        if ("40P01".equals(state) || "40001".equals(state)) {
            return new TransientStoreException(operation, message, cause);
        }
        if ("55P03".equals(state)) {
            return new LockTimeoutException(operation, message, cause);
        }
        if ("57014".equals(state)) {
            return new StatementTimeoutException(operation, message, cause);
        }
        return new StoreException(operation, message, cause);
    }

    /** Whether the SQLState says the connection itself is gone (class 08, or the server shutting it down). */
    static boolean isConnectionLoss(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
                || sqlState.equals("57P02") || sqlState.equals("57P03"));
    }

    static String sqlStateOf(Throwable failure) {
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
