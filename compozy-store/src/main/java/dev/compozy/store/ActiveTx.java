package dev.compozy.store;

import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxFunction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hibernate.Session;
import org.hibernate.SessionFactory;

/**
 * A transaction the thread's outermost {@code fromTx} opened or joined; nested calls share it. Every kind
 * is an entity manager's transaction (resource-local, JTA, or a session on the application framework's
 * connection), and JDBC work runs on that entity manager's connection.
 */
abstract class ActiveTx implements Tx {
    private static final String SET_LOCAL = "SELECT set_config(?, ?, true)";

    protected final Transactions transactions;
    protected final EntityManager entityManager;
    private boolean active = true;
    protected Throwable nestedFailure;

    ActiveTx(Transactions transactions, EntityManager entityManager) {
        this.transactions = transactions;
        this.entityManager = entityManager;
    }

    /** Ends the transaction after the outermost function returned normally. */
    abstract void complete();

    /** Ends (or dooms) the transaction after the outermost function threw {@code failure}. */
    abstract void abort(Throwable failure);

    /** Releases what the transaction held, whatever happened: its own entity manager, by default. */
    void release() {
        entityManager.close();
    }

    /** From here on the handle refuses work: its function has returned. */
    final void end() {
        active = false;
    }

    <T, E extends Exception> T runNested(TxFunction<T, E> work) throws E {
        try {
            return work.apply(this);
        } catch (Exception | Error e) {
            if (nestedFailure == null) {
                nestedFailure = e;
            }
            setRollbackOnly();
            throw e;
        }
    }

    @Override
    public EntityManager entityManager() {
        ensureActive();
        return entityManager;
    }

    @Override
    public <T> T withConnection(ConnectionWork<T> work) {
        ensureActive();
        return entityManager.unwrap(Session.class).doReturningWork(work::execute);
    }

    @Override
    public void setLockTimeout(Duration timeout) {
        setLocal("lock_timeout", timeout);
    }

    @Override
    public void setStatementTimeout(Duration timeout) {
        setLocal("statement_timeout", timeout);
    }

    private void setLocal(String setting, Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: must be zero (no limit) or positive");
        }
        if (!transactions.isCurrent(this)) {
            throw new IllegalStateException(setting + " can only be set inside a transaction");
        }
        withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(SET_LOCAL)) {
                statement.setString(1, setting);
                statement.setString(2, TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()) + "ms");
                statement.execute();
            }
            return null;
        });
    }

    @Override
    public boolean isActive() {
        return active;
    }

    protected void ensureActive() {
        if (!active) {
            throw new IllegalStateException("the transaction has ended; use a Tx only inside its function");
        }
    }

    StoreException rolledBackByNestedFailure() {
        return new StoreException(
                "commit", "transaction rolled back: a nested call failed with " + nestedFailure, nestedFailure);
    }

    /** A resource-local transaction on an entity manager of its own. */
    static final class Local extends ActiveTx {
        private final EntityTransaction transaction;
        private boolean rollbackOnly;

        Local(Transactions transactions, String operation) {
            super(transactions, transactions.entityManagerFactory.createEntityManager());
            transaction = entityManager.getTransaction();
            try {
                transaction.begin();
            } catch (PersistenceException e) {
                entityManager.close();
                throw transactions.failure(operation, "cannot start a transaction: " + Transactions.describe(e), e);
            }
        }

        @Override
        void complete() {
            if (rollbackOnly) {
                rollback();
                if (nestedFailure != null) {
                    throw rolledBackByNestedFailure();
                }
                return;
            }
            try {
                transaction.commit();
            } catch (PersistenceException e) {
                throw transactions.failure("commit", "commit failed: " + Transactions.describe(e), e);
            }
        }

        @Override
        void abort(Throwable failure) {
            try {
                rollback();
            } catch (RuntimeException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
        }

        private void rollback() {
            if (transaction.isActive()) {
                transaction.rollback();
            }
        }

        @Override
        public void setRollbackOnly() {
            ensureActive();
            rollbackOnly = true;
        }

        @Override
        public boolean isRollbackOnly() {
            return rollbackOnly;
        }
    }

    /**
     * Work on the container's entity manager inside a JTA transaction: the thread's, joined, or one begun
     * here when there is none. Only a transaction begun here is committed or rolled back here; a joined
     * one is marked rollback-only on failure and left for its owner to end.
     */
    static final class Jta extends ActiveTx {
        private final boolean owned;

        Jta(Transactions transactions) {
            super(transactions, transactions.containerEntityManager);
            owned = transactions.jtaStatus() == Status.STATUS_NO_TRANSACTION;
            if (owned) {
                try {
                    transactions.transactionManager.begin();
                } catch (NotSupportedException | SystemException e) {
                    throw new StoreException("begin", "cannot begin a JTA transaction: " + e.getMessage(), e);
                }
            }
            try {
                if (!entityManager.isJoinedToTransaction()) {
                    entityManager.joinTransaction();
                }
            } catch (PersistenceException e) {
                abort(e);
                throw transactions.failure("begin", "cannot join the JTA transaction: " + Transactions.describe(e), e);
            }
        }

        @Override
        void complete() {
            if (!owned) {
                return;
            }
            if (isRollbackOnly()) {
                rollback();
                if (nestedFailure != null) {
                    throw rolledBackByNestedFailure();
                }
                return;
            }
            try {
                transactions.transactionManager.commit();
            } catch (RollbackException | HeuristicMixedException | HeuristicRollbackException | SystemException e) {
                throw transactions.failure("commit", "commit failed: " + Transactions.describe(e), e);
            }
        }

        @Override
        void abort(Throwable failure) {
            try {
                if (owned) {
                    rollback();
                } else {
                    transactions.transactionManager.setRollbackOnly();
                }
            } catch (RuntimeException | SystemException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
        }

        private void rollback() {
            try {
                transactions.transactionManager.rollback();
            } catch (SystemException e) {
                throw new StoreException("rollback", "rollback failed: " + e.getMessage(), e);
            }
        }

        @Override
        void release() {
            // The container's entity manager belongs to the container (or to the transaction begun here,
            // which closes it when the transaction ends).
        }

        @Override
        public void setRollbackOnly() {
            ensureActive();
            try {
                transactions.transactionManager.setRollbackOnly();
            } catch (SystemException e) {
                throw new StoreException("setRollbackOnly", "cannot mark the JTA transaction: " + e.getMessage(), e);
            }
        }

        @Override
        public boolean isRollbackOnly() {
            return transactions.jtaStatus() == Status.STATUS_MARKED_ROLLBACK;
        }
    }

    /**
     * Work inside a transaction an application framework runs on the store's data source (a Spring-managed
     * one), on that transaction's connection: the store's multi-statement operations join it instead of
     * committing, and their row locks hold until the framework ends it. The session's own transaction is
     * there for Hibernate, which takes locks only inside one; its commit flushes the session and stops at
     * the shared connection. A failure marks the framework's transaction rollback-only.
     */
    static final class Joined extends ActiveTx {
        private final EntityTransaction transaction;
        private boolean rollbackOnly;

        Joined(Transactions transactions, Connection connection) {
            super(
                    transactions,
                    transactions
                            .entityManagerFactory
                            .unwrap(SessionFactory.class)
                            .withOptions()
                            .connection(SharedConnection.of(connection))
                            .openSession());
            transaction = entityManager.getTransaction();
            try {
                transaction.begin();
            } catch (PersistenceException e) {
                entityManager.close();
                throw transactions.failure(
                        "begin", "cannot join the application's transaction: " + Transactions.describe(e), e);
            }
        }

        @Override
        void complete() {
            if (rollbackOnly) {
                transaction.rollback();
                return;
            }
            try {
                transaction.commit();
            } catch (PersistenceException e) {
                transactions.join.setRollbackOnly(e);
                throw transactions.failure(
                        "flush", "writing the session's changes failed: " + Transactions.describe(e), e);
            }
        }

        @Override
        void abort(Throwable failure) {
            try {
                transactions.join.setRollbackOnly(failure);
                if (transaction.isActive()) {
                    transaction.rollback();
                }
            } catch (RuntimeException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
        }

        @Override
        public void setRollbackOnly() {
            ensureActive();
            rollbackOnly = true;
            transactions.join.setRollbackOnly(nestedFailure);
        }

        @Override
        public boolean isRollbackOnly() {
            return rollbackOnly || transactions.join.isRollbackOnly();
        }
    }
}
