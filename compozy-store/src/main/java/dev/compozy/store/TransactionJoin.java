package dev.compozy.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A data source whose connections may belong to a transaction an application framework runs (Spring's),
 * which the store's work then joins instead of beginning, committing or rolling back its own. A
 * {@link dev.compozy.store.Database} made on a data source that implements this asks it at the start of
 * every unit of work; the framework integration implements it, so the core never loads a framework class.
 */
public interface TransactionJoin {
    /**
     * The connection of the framework's transaction active on this thread on this data source, inside its
     * database transaction (auto-commit off), or {@code null} when there is none: the store then runs a
     * transaction of its own. The store never commits, rolls back or closes it.
     */
    Connection transactionalConnection() throws SQLException;

    /**
     * Makes the framework's transaction on this thread roll back instead of committing, reporting
     * {@code cause} (the store's failed work, or {@code null} when the work asked for the rollback) when
     * it is ended.
     */
    void setRollbackOnly(Throwable cause);

    /** Whether {@link #setRollbackOnly} was called in the framework's transaction on this thread. */
    boolean isRollbackOnly();
}
