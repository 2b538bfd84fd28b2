package dev.compozy.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import dev.compozy.store.core.StoreException;
import java.sql.SQLException;

/**
 * The pool's rule for discarding a connection after an exception: exactly {@link StoreException#isConnectionLoss}.
 * HikariCP's own rule also discards it for 0A000 "feature not supported", 01002 and some vendor codes; on
 * PostgreSQL 0A000 is a statement refused on a healthy session (Citus refuses many statements so), and
 * discarding the connection for each of them cost a new login per refused statement.
 */
final class ConnectionLossOverride implements SQLExceptionOverride {
    @java.lang.Override
    public Override adjudicate(SQLException exception) {
        for (SQLException e = exception; e != null; e = e.getNextException()) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && SqlStates.isConnectionLoss(sql.getSQLState())) {
                    return Override.MUST_EVICT;
                }
            }
        }
        return Override.DO_NOT_EVICT;
    }
}
