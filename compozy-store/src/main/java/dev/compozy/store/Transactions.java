package dev.compozy.store;

import dev.compozy.store.core.RetriesExhaustedException;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.TransientStoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxFunction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The thread-bound transactions behind {@link Database} and the repositories: which kind of transaction a
 * unit of work gets (resource-local on an entity manager of its own, the container's JTA transaction, or
 * the application framework's transaction on the shared connection; see {@link ActiveTx}), nesting,
 * retries, the auto-commit path of single statements, and the translation of failures into
 * {@link StoreException}s with the operation's name and the driver's SQLState.
 */
final class Transactions {
    final DataSource dataSource;
    final EntityManagerFactory entityManagerFactory;
    /** Container-managed mode only: the container's entity manager and the JTA transaction manager. */
    final EntityManager containerEntityManager;

    final TransactionManager transactionManager;
    /** Set when the data source's connections may belong to a framework's (Spring's) transaction. */
    final TransactionJoin join;

    private final Runnable onConnectionLoss;
    private final StoreMetrics metrics;
    private final ThreadLocal<ActiveTx> current = new ThreadLocal<>();

    Transactions(
            DataSource dataSource,
            EntityManagerFactory entityManagerFactory,
            EntityManager containerEntityManager,
            TransactionManager transactionManager,
            Runnable onConnectionLoss,
            StoreMetrics metrics) {
        this.dataSource = dataSource;
        this.entityManagerFactory = Objects.requireNonNull(entityManagerFactory, "entityManagerFactory");
        this.containerEntityManager = containerEntityManager;
        this.transactionManager = transactionManager;
        // The integration hands the join in with its data source, so every way of making a database on
        // that data source (Store.open, Database's constructor) joins the framework's transactions.
        this.join = dataSource instanceof TransactionJoin framework ? framework : null;
        this.onConnectionLoss = Objects.requireNonNull(onConnectionLoss, "onConnectionLoss");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Runs {@code work} in the thread's transaction, or in a new one; {@code operation} names what a failure
     * to get a connection for a new transaction is reported as.
     */
    <T, E extends Exception> T fromTx(String operation, TxFunction<T, E> work) throws E {
        Objects.requireNonNull(work, "work");
        ActiveTx joined = current.get();
        if (joined != null) {
            return joined.runNested(work);
        }
        Connection framework = frameworkConnection(operation);
        ActiveTx tx = framework != null
                ? new ActiveTx.Joined(this, framework)
                : transactionManager == null ? new ActiveTx.Local(this, operation) : new ActiveTx.Jta(this);
        current.set(tx);
        try {
            T result;
            try {
                result = work.apply(tx);
            } catch (Exception | Error e) {
                tx.abort(e);
                throw e;
            }
            tx.complete();
            return result;
        } finally {
            tx.end();
            current.remove();
            tx.release();
        }
    }

    /**
     * Runs {@code work} in a transaction of its own, again from the start as the policy allows when it
     * fails with a {@link TransientStoreException}.
     */
    <T, E extends Exception> T fromTx(RetryPolicy policy, TxFunction<T, E> work) throws E {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(work, "work");
        if (joinsOpenTransaction("begin")) {
            throw new IllegalStateException("a retrying transaction cannot join an open one: a retry could not "
                    + "undo the outer transaction's work");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return fromTx("begin", work);
            } catch (TransientStoreException e) {
                if (attempt >= policy.maxAttempts()) {
                    if (policy.maxAttempts() == 1) {
                        throw e;
                    }
                    metrics.retriesExhausted(e.sqlState());
                    throw new RetriesExhaustedException(attempt, e);
                }
                metrics.retry(e.sqlState());
                pause(backoff(policy, attempt));
            }
        }
    }

    /** The pause before attempt {@code attempt + 1} (attempt counts from 1): full jitter under a doubling bound. */
    static Duration backoff(RetryPolicy policy, int attempt) {
        long bound = policy.initialBackoff().toNanos() << Math.min(attempt - 1, 20);
        bound = Math.min(Math.max(bound, 0), policy.maxBackoff().toNanos());
        return bound == 0
                ? Duration.ZERO
                : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound + 1));
    }

    private static void pause(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        for (long left = duration.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                throw new StoreException("retry", "interrupted while backing off before a retry");
            }
        }
    }

    /**
     * Runs a repository operation in a transaction, times it, and translates persistence failures into a
     * {@link StoreException} naming the operation; the store's own exceptions pass unchanged.
     */
    <T> T run(String operation, TxFunction<T, RuntimeException> work) {
        long started = System.nanoTime();
        boolean failed = true;
        try {
            T result = fromTx(operation, work);
            failed = false;
            return result;
        } catch (StoreException | IllegalArgumentException | IllegalStateException e) {
            throw e;
        } catch (PersistenceException e) {
            throw failure(operation, describe(e), e);
        } finally {
            metrics.operation(name(operation), System.nanoTime() - started, failed);
        }
    }

    /**
     * Runs a repository operation made of one statement: inside the thread's open transaction if there is
     * one, otherwise straight on a connection in auto-commit mode ({@link AutoCommit}). That saves the BEGIN
     * and COMMIT round trips a transaction would add to a statement that is atomic anyway. A
     * container-managed database has no connections of its own to do that with: it runs the statement in a
     * transaction; inside a framework's transaction the statement joins it.
     */
    <T> T runStatement(String operation, TxFunction<T, RuntimeException> work) {
        if (current.get() != null || transactionManager != null || frameworkConnection(operation) != null) {
            return run(operation, work);
        }
        AutoCommit autoCommit = new AutoCommit(this);
        long started = System.nanoTime();
        boolean failed = true;
        try {
            T result = work.apply(autoCommit);
            failed = false;
            return result;
        } catch (PersistenceException e) {
            throw failure(operation, describe(e), e);
        } finally {
            autoCommit.close();
            metrics.operation(name(operation), System.nanoTime() - started, failed);
        }
    }

    /**
     * Takes a row lock for {@code operation} and reports how long that took; the time includes waiting
     * for other transactions that hold the row.
     */
    <T> T lock(String operation, Supplier<T> locking) {
        long started = System.nanoTime();
        try {
            return locking.get();
        } finally {
            metrics.lockWait(name(operation), System.nanoTime() - started);
        }
    }

    /** The operation's name without the ids its description carries: {@code getState(task_exec_id=…)} → {@code getState}. */
    private static String name(String operation) {
        int paren = operation.indexOf('(');
        return paren < 0 ? operation : operation.substring(0, paren);
    }

    /**
     * Checks that {@code tx} is a transaction of this database that is still open on this thread.
     *
     * @throws IllegalStateException otherwise, naming the operation
     */
    Tx requireActive(Tx tx, String operation) {
        if (tx == null) {
            throw new IllegalArgumentException(
                    "tx: must not be null (" + operation + " needs the caller's transaction)");
        }
        if (!tx.isActive() || current.get() != tx) {
            throw new IllegalStateException(operation + " must run inside an open transaction of this store "
                    + "(call it from withTx/fromTx with the Tx it was given)");
        }
        return tx;
    }

    /** Whether work started now would join a transaction already open (the store's, the container's or a framework's). */
    boolean joinsOpenTransaction(String operation) {
        return current.get() != null || inContainerTransaction() || frameworkConnection(operation) != null;
    }

    /** Whether {@code tx} is the transaction open on this thread, for the checks of {@link ActiveTx}. */
    boolean isCurrent(ActiveTx tx) {
        return current.get() == tx;
    }

    StoreException failure(String operation, String message, Throwable cause) {
        if (SqlStates.isConnectionLoss(StoreException.sqlStateOf(cause))) {
            onConnectionLoss.run();
        }
        return SqlStates.exception(operation, message, cause);
    }

    /** The connection of the framework's transaction this thread's work joins, or {@code null}. */
    private Connection frameworkConnection(String operation) {
        if (join == null) {
            return null;
        }
        try {
            return join.transactionalConnection();
        } catch (SQLException e) {
            throw failure(operation, "cannot join the application's transaction: " + describe(e), e);
        }
    }

    /** Whether a container-managed database finds a JTA transaction on this thread. */
    private boolean inContainerTransaction() {
        return transactionManager != null && jtaStatus() != Status.STATUS_NO_TRANSACTION;
    }

    int jtaStatus() {
        try {
            return transactionManager.getStatus();
        } catch (SystemException e) {
            throw new StoreException("begin", "cannot read the JTA transaction status: " + e.getMessage(), e);
        }
    }

    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                // A pool timeout has no SQLState: the message (pool name, connections in use) says it all.
                return sql.getMessage() + (sql.getSQLState() == null ? "" : " [SQLState " + sql.getSQLState() + "]");
            }
        }
        return String.valueOf(e.getMessage());
    }
}
