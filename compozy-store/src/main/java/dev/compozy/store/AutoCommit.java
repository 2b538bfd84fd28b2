package dev.compozy.store;

import dev.compozy.store.core.Tx;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import java.time.Duration;
import org.hibernate.Session;

/**
 * The handle a single-statement operation gets outside any transaction: its JDBC runs on an entity
 * manager's connection in auto-commit mode, which spares the BEGIN and COMMIT round trips a transaction
 * would add to a statement that is atomic anyway. The entity manager is made on first use and closed,
 * returning its connection, with the handle.
 */
final class AutoCommit implements Tx {
    private final Transactions transactions;
    private EntityManager entityManager;
    private boolean active = true;

    AutoCommit(Transactions transactions) {
        this.transactions = transactions;
    }

    @Override
    public EntityManager entityManager() {
        ensureActive();
        if (entityManager == null) {
            entityManager = transactions.entityManagerFactory.createEntityManager();
        }
        return entityManager;
    }

    @Override
    public <T> T withConnection(ConnectionWork<T> work) {
        return entityManager().unwrap(Session.class).doReturningWork(work::execute);
    }

    @Override
    public void setLockTimeout(Duration timeout) {
        throw new IllegalStateException("lock_timeout can only be set inside a transaction");
    }

    @Override
    public void setStatementTimeout(Duration timeout) {
        throw new IllegalStateException("statement_timeout can only be set inside a transaction");
    }

    @Override
    public void setRollbackOnly() {
        throw new IllegalStateException("an auto-commit statement cannot be rolled back");
    }

    @Override
    public boolean isRollbackOnly() {
        return false;
    }

    @Override
    public boolean isActive() {
        return active;
    }

    private void ensureActive() {
        if (!active) {
            throw new IllegalStateException("the statement has ended; use a Tx only inside its function");
        }
    }

    void close() {
        active = false;
        if (entityManager != null) {
            try {
                entityManager.close();
            } catch (PersistenceException e) {
                throw transactions.failure(
                        "release", "cannot return a connection to the pool: " + Transactions.describe(e), e);
            }
        }
    }
}
