package dev.compozy.store;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.TransientStoreException;
import java.util.Set;

/** What an SQLState means to the store: which exception a failure becomes, and whether the session is gone. */
final class SqlStates {
    private static final Set<String> SESSION_ENDING = Set.of("57P01", "57P02", "57P03", "57P04", "57P05", "25P03");

    private SqlStates() {}

    /**
     * The exception for a failure of {@code operation}: typed by the SQLState in {@code cause}'s chain
     * (deadlock and serialization failure, lock timeout, statement timeout), else a plain StoreException.
     */
    static StoreException exception(String operation, String message, Throwable cause) {
        String state = StoreException.sqlStateOf(cause);
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
}
