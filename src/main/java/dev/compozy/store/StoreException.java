package dev.compozy.store;

import java.sql.SQLException;
import java.util.Set;

/**
 * Every failure of the store: the message says which operation failed (and on which id); a database
 * failure keeps the driver's {@link SQLException} in the cause chain, so {@link #sqlState()} tells what
 * PostgreSQL reported.
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private static final Set<String> SESSION_ENDING = Set.of("57P01", "57P02", "57P03", "57P04", "57P05", "25P03");

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

    /**
     * Whether the SQLState says the session itself is gone: class 08 (connection exception), the server
     * shutting it down or not taking it (57P01-57P03), its database dropped (57P04), or a session timeout
     * that ends it (57P05 idle_session_timeout, 25P03 idle_in_transaction_session_timeout, both FATAL).
     * Nothing else is: a statement the server refuses, even 0A000 "feature not supported", leaves the
     * session usable.
     */
    static boolean isConnectionLoss(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || SESSION_ENDING.contains(sqlState));
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
