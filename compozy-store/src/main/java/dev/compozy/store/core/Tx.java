package dev.compozy.store.core;

import jakarta.persistence.EntityManager;

/**
 * An open transaction of the store, handed to the function given to {@code withTx} / {@code fromTx}.
 * Repository methods that take a {@code Tx} run inside it; every other repository method called on the
 * same thread while it is open joins it too. A {@code Tx} belongs to the thread that opened it and is
 * useless after its function returns.
 */
public interface Tx {
    /** The JPA entity manager of this transaction, for work of the caller's own in the same transaction. */
    EntityManager entityManager();

    /** Runs JDBC work on this transaction's connection; do not close or commit the connection. */
    <T> T withConnection(ConnectionWork<T> work);

    /**
     * Bounds every lock wait for the rest of this transaction (PostgreSQL {@code lock_timeout}, set
     * locally); a wait beyond it fails with {@link LockTimeoutException}. Zero means no limit.
     */
    void setLockTimeout(java.time.Duration timeout);

    /**
     * Bounds every statement for the rest of this transaction (PostgreSQL {@code statement_timeout}, set
     * locally); a statement beyond it fails with {@link StatementTimeoutException}. Zero means no limit.
     */
    void setStatementTimeout(java.time.Duration timeout);

    /** Makes the transaction roll back when the outermost function returns, instead of committing. */
    void setRollbackOnly();

    boolean isRollbackOnly();

    /** Whether the transaction is still open, that is, its function has not returned yet. */
    boolean isActive();

    /** JDBC work on a borrowed connection. */
    @FunctionalInterface
    interface ConnectionWork<T> {
        T execute(java.sql.Connection connection) throws java.sql.SQLException;
    }
}
