package dev.compozy.store;

import dev.compozy.store.core.RetriesExhaustedException;
import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.TransientStoreException;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.TxConsumer;
import dev.compozy.store.core.TxFunction;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.Require;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.hibernate.resource.transaction.spi.TransactionCoordinatorBuilder;

/**
 * Raw access to the store's database, like the seed's {@code DB}: the pool, the entity manager factory,
 * one-off statements, and transactions.
 *
 * <p>Transactions are bound to the calling thread: {@link #fromTx} opens one EntityManager and one
 * database transaction, and any {@code fromTx}/{@code withTx} (of this database or of a repository
 * built on it) called on the same thread before it returns joins it instead of opening another. The
 * function's exception rolls the transaction back and propagates unchanged; a failed commit propagates
 * as a {@link StoreException}. A nested call that throws marks the shared transaction rollback-only, so
 * an outer function that swallows the exception still cannot commit half of the work.
 *
 * <p>A database made by {@link #containerManaged} runs on a Jakarta EE container's JTA transactions
 * instead: work joins the transaction active on the thread (a {@code @Transactional} method, an EJB), or
 * begins and commits a JTA transaction of its own when there is none. A database on a data source of the
 * Spring integration ({@code dev.compozy.store.spring}) likewise joins the Spring-managed transaction
 * active on the thread on that data source, and runs transactions of its own when there is none.
 *
 * <p>Database failures become {@link StoreException}s typed by SQLState: {@link TransientStoreException}
 * (deadlock, serialization failure), {@link LockTimeoutException}, {@link StatementTimeoutException}.
 * When one says the connection is gone, the pool is told to replace its idle connections, so the next
 * operation after a server restart or a killed backend starts on a fresh one.
 */
public final class Database {
    private static final String SET_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    private static final String SET_LOCAL = "SELECT set_config(?, ?, true)";

    private final DataSource dataSource;
    private final EntityManagerFactory entityManagerFactory;
    /** Container-managed mode only: the container's entity manager and the JTA transaction manager. */
    private final EntityManager containerEntityManager;
    private final TransactionManager transactionManager;
    /** Set when the data source's connections may belong to a framework's (Spring's) transaction. */
    private final TransactionJoin join;
    private final Runnable onConnectionLoss;
    private final StoreMetrics metrics;
    private final ThreadLocal<ActiveTx> current = new ThreadLocal<>();

    public Database(DataSource dataSource, EntityManagerFactory entityManagerFactory) {
        this(dataSource, entityManagerFactory, () -> { }, StoreMetrics.NONE);
    }

    Database(DataSource dataSource, EntityManagerFactory entityManagerFactory, Runnable onConnectionLoss,
            StoreMetrics metrics) {
        this(Objects.requireNonNull(dataSource, "dataSource"), entityManagerFactory, null, null, onConnectionLoss,
                metrics);
    }

    private Database(DataSource dataSource, EntityManagerFactory entityManagerFactory,
            EntityManager containerEntityManager, TransactionManager transactionManager, Runnable onConnectionLoss,
            StoreMetrics metrics) {
        this.dataSource = dataSource;
        this.entityManagerFactory = Objects.requireNonNull(entityManagerFactory, "entityManagerFactory");
        this.containerEntityManager = containerEntityManager;
        this.transactionManager = transactionManager;
        // The integration hands the join in with its data source, so every way of making a database on
        // that data source (Store.open, this class's constructor) joins the framework's transactions.
        this.join = dataSource instanceof TransactionJoin framework ? framework : null;
        this.onConnectionLoss = Objects.requireNonNull(onConnectionLoss, "onConnectionLoss");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** {@link #containerManaged(EntityManager, StoreMetrics)} without metrics. */
    public static Database containerManaged(EntityManager entityManager) {
        return containerManaged(entityManager, StoreMetrics.NONE);
    }

    /**
     * A database on a container-managed entity manager of a JTA persistence unit, for building the
     * repositories in a Jakarta EE application ({@code @PersistenceContext} injected, or any
     * transaction-scoped entity manager that follows the thread's JTA transaction). Every operation joins
     * the thread's JTA transaction, or runs in one it begins and commits itself when there is none; a
     * failed operation marks the container's transaction rollback-only. The schema is not migrated: roll
     * it out with the Liquibase CLI or {@link Migrations#update}.
     *
     * @throws IllegalArgumentException when the entity manager's unit uses resource-local transactions or
     *     Hibernate knows no JTA transaction manager for it
     */
    public static Database containerManaged(EntityManager entityManager, StoreMetrics metrics) {
        Objects.requireNonNull(entityManager, "entityManager");
        Objects.requireNonNull(metrics, "metrics");
        EntityManagerFactory factory = entityManager.getEntityManagerFactory();
        var services = factory.unwrap(SessionFactoryImplementor.class).getServiceRegistry();
        if (!services.requireService(TransactionCoordinatorBuilder.class).isJta()) {
            throw new IllegalArgumentException("entityManager: its persistence unit uses resource-local transactions; "
                    + "a container-managed store needs a JTA unit (transaction-type JTA, a jta-data-source)");
        }
        TransactionManager transactionManager = services.requireService(JtaPlatform.class).retrieveTransactionManager();
        if (transactionManager == null) {
            throw new IllegalArgumentException("entityManager: Hibernate has no JTA transaction manager for its "
                    + "persistence unit (set hibernate.transaction.jta.platform)");
        }
        return new Database(null, factory, entityManager, transactionManager, () -> { }, metrics);
    }

    /**
     * The connection pool; connections taken from it directly do not join the store's transactions.
     *
     * @throws IllegalStateException for a {@link #containerManaged} database, whose connections are the
     *     container's
     */
    public DataSource dataSource() {
        if (dataSource == null) {
            throw new IllegalStateException("a container-managed database has no pool of its own; its connections "
                    + "come from the persistence unit's JTA data source");
        }
        return dataSource;
    }

    public EntityManagerFactory entityManagerFactory() {
        return entityManagerFactory;
    }

    /**
     * Runs one statement with bound parameters (in the current transaction if there is one) and returns
     * the update count. For one-off administration; the repositories cover the store's own data.
     */
    public int execute(String sql, Object... args) {
        Objects.requireNonNull(sql, "sql");
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof String text) {
                Require.storable(text, "args[" + i + "]");
            }
        }
        return run("execute", tx -> tx.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    statement.setObject(i + 1, args[i]);
                }
                statement.execute();
                return Math.max(statement.getUpdateCount(), 0);
            }
        }));
    }

    /** Runs {@code work} in a transaction (joining the thread's open one) and returns its result. */
    public <T, E extends Exception> T fromTx(TxFunction<T, E> work) throws E {
        return fromTx("begin", work);
    }

    /** {@code operation} names what a failure to get a connection for a new transaction is reported as. */
    private <T, E extends Exception> T fromTx(String operation, TxFunction<T, E> work) throws E {
        Objects.requireNonNull(work, "work");
        ActiveTx joined = current.get();
        if (joined != null) {
            return joined.runNested(work);
        }
        java.sql.Connection framework = frameworkConnection(operation);
        ActiveTx tx = framework != null ? new JoinedTx(framework)
                : transactionManager == null ? new LocalTx(operation) : new JtaTx();
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
            tx.active = false;
            current.remove();
            tx.release();
        }
    }

    /** Runs {@code work} in a transaction (joining the thread's open one). */
    public <E extends Exception> void withTx(TxConsumer<E> work) throws E {
        Objects.requireNonNull(work, "work");
        fromTx(tx -> {
            work.accept(tx);
            return null;
        });
    }

    /**
     * Runs {@code work} in a transaction of its own, running it again from the start, as the policy
     * allows, when it fails with a {@link TransientStoreException}. The work must be safe to repeat: the
     * database side of a failed attempt is rolled back, anything else it did is not.
     *
     * @throws RetriesExhaustedException when the last allowed attempt failed transiently too
     * @throws IllegalStateException when called inside an open transaction (the store's, the container's or
     *     a Spring-managed one), which a retry could not undo
     */
    public <T, E extends Exception> T fromTx(RetryPolicy policy, TxFunction<T, E> work) throws E {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(work, "work");
        if (current.get() != null || inContainerTransaction() || frameworkConnection("begin") != null) {
            throw new IllegalStateException("a retrying transaction cannot join an open one: a retry could not "
                    + "undo the outer transaction's work");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return fromTx(work);
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

    /** {@link #fromTx(RetryPolicy, TxFunction)} for work that returns nothing. */
    public <E extends Exception> void withTx(RetryPolicy policy, TxConsumer<E> work) throws E {
        Objects.requireNonNull(work, "work");
        fromTx(policy, tx -> {
            work.accept(tx);
            return null;
        });
    }

    /** The pause before attempt {@code attempt + 1} (attempt counts from 1): full jitter under a doubling bound. */
    static Duration backoff(RetryPolicy policy, int attempt) {
        long bound = policy.initialBackoff().toNanos() << Math.min(attempt - 1, 20);
        bound = Math.min(Math.max(bound, 0), policy.maxBackoff().toNanos());
        return bound == 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound + 1));
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

    /** The transaction open on this thread, or {@code null}. */
    public Tx currentTx() {
        return current.get();
    }

    /**
     * Runs repository work in a transaction and translates persistence failures into a
     * {@link StoreException} naming the operation; the store's own exceptions pass unchanged.
     */
    public <T> T run(String operation, TxFunction<T, RuntimeException> work) {
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
     * Takes a row lock for {@code operation} and reports how long that took; the time includes waiting
     * for other transactions that hold the row.
     */
    public <T> T lock(String operation, java.util.function.Supplier<T> locking) {
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
     * Runs read-only repository work of several statements that must see one snapshot, beginning with a
     * query whose rows go to {@code then}: a new transaction at REPEATABLE READ, READ ONLY, or the thread's
     * open transaction (at its isolation level) if there is one. A new transaction's SET TRANSACTION travels
     * with the first query, so that it costs no round trip of its own (measured: a page of 50 executions
     * with their tasks went from 0.93 to 1.0 of a hand-written baseline that keeps a connection at
     * REPEATABLE READ).
     */
    public <R, T> T runSnapshot(String operation, String firstQuery, Object[] args, Jdbc.RowMapper<R> mapper,
            SnapshotWork<R, T> then) {
        boolean joins = current.get() != null || inContainerTransaction() || frameworkConnection(operation) != null;
        return run(operation, tx -> then.apply(tx, tx.withConnection(c -> joins
                ? Jdbc.query(c, firstQuery, mapper, args)
                : Jdbc.queryAfter(c, SET_SNAPSHOT, firstQuery, mapper, args))));
    }

    /** What {@link #runSnapshot} does with the first query's rows, in the same snapshot. */
    @FunctionalInterface
    public interface SnapshotWork<R, T> {
        T apply(Tx tx, List<R> firstRows);
    }

    /**
     * Runs repository work made of one statement: inside the thread's open transaction if there is one,
     * otherwise straight on a pooled connection in auto-commit mode. That saves the BEGIN and COMMIT round
     * trips a transaction would add to a statement that is atomic anyway, and the Hibernate session a
     * plain JDBC statement does not need (measured: 88 µs against 51 µs for a read by id). A
     * container-managed database has no connections of its own to do that with: it runs the statement in
     * a transaction; inside a framework's transaction the statement joins it.
     */
    public <T> T runStatement(String operation, TxFunction<T, RuntimeException> work) {
        if (current.get() != null || transactionManager != null || frameworkConnection(operation) != null) {
            return run(operation, work);
        }
        AutoCommit autoCommit = new AutoCommit();
        long started = System.nanoTime();
        boolean failed = true;
        try {
            T result = work.apply(autoCommit);
            failed = false;
            return result;
        } catch (PersistenceException e) {
            throw failure(operation, describe(e), e);
        } catch (UncheckedSql e) {
            throw failure(operation, describe(e.getCause()), e.getCause());
        } finally {
            autoCommit.close();
            metrics.operation(name(operation), System.nanoTime() - started, failed);
        }
    }

    /**
     * Checks that {@code tx} is a transaction of this database that is still open on this thread.
     *
     * @throws IllegalStateException otherwise, naming the operation
     */
    public Tx requireActive(Tx tx, String operation) {
        if (tx == null) {
            throw new IllegalArgumentException("tx: must not be null (" + operation + " needs the caller's transaction)");
        }
        if (!tx.isActive() || current.get() != tx) {
            throw new IllegalStateException(operation + " must run inside an open transaction of this store "
                    + "(call it from withTx/fromTx with the Tx it was given)");
        }
        return tx;
    }

    private StoreException failure(String operation, String message, Throwable cause) {
        if (SqlStates.isConnectionLoss(StoreException.sqlStateOf(cause))) {
            onConnectionLoss.run();
        }
        return SqlStates.exception(operation, message, cause);
    }

    /** The connection of the framework's transaction this thread's work joins, or {@code null}. */
    private java.sql.Connection frameworkConnection(String operation) {
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

    private int jtaStatus() {
        try {
            return transactionManager.getStatus();
        } catch (SystemException e) {
            throw new StoreException("begin", "cannot read the JTA transaction status: " + e.getMessage(), e);
        }
    }

    private StoreException rolledBackByNestedFailure(Throwable nestedFailure) {
        return new StoreException("commit", "transaction rolled back: a nested call failed with " + nestedFailure,
                nestedFailure);
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

    /** An SQLException from work on a connection outside Hibernate, carried out of the lambda. */
    private static final class UncheckedSql extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedSql(SQLException cause) {
            super(cause);
        }
    }

    /**
     * The handle {@link #runStatement} passes outside a transaction: a pooled connection in auto-commit
     * mode, taken on first use; an entity manager only if the work asks for one.
     */
    private final class AutoCommit implements Tx {
        private java.sql.Connection connection;
        private EntityManager entityManager;
        private boolean active = true;

        @Override
        public EntityManager entityManager() {
            ensureActive();
            if (entityManager == null) {
                entityManager = entityManagerFactory.createEntityManager();
            }
            return entityManager;
        }

        @Override
        public <T> T withConnection(ConnectionWork<T> work) {
            ensureActive();
            try {
                if (connection == null) {
                    connection = dataSource.getConnection();
                }
                return work.execute(connection);
            } catch (SQLException e) {
                throw new UncheckedSql(e);
            }
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
            try {
                if (entityManager != null) {
                    entityManager.close();
                }
            } finally {
                if (connection != null) {
                    try {
                        connection.close();
                    } catch (SQLException e) {
                        throw failure("release", "cannot return a connection to the pool: " + describe(e), e);
                    }
                }
            }
        }
    }

    /** A transaction the thread's outermost {@link #fromTx} opened or joined; nested calls share it. */
    private abstract class ActiveTx implements Tx {
        protected final EntityManager entityManager;
        private boolean active = true;
        protected Throwable nestedFailure;

        ActiveTx(EntityManager entityManager) {
            this.entityManager = entityManager;
        }

        /** Ends the transaction after the outermost function returned normally. */
        abstract void complete();

        /** Ends (or dooms) the transaction after the outermost function threw {@code failure}. */
        abstract void abort(Throwable failure);

        /** Releases what the transaction held, whatever happened. */
        abstract void release();

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
            if (current.get() != this) {
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
    }

    /** A resource-local transaction on an entity manager of its own. */
    private final class LocalTx extends ActiveTx {
        private final EntityTransaction transaction;
        private boolean rollbackOnly;

        LocalTx(String operation) {
            super(entityManagerFactory.createEntityManager());
            transaction = entityManager.getTransaction();
            try {
                transaction.begin();
            } catch (PersistenceException e) {
                entityManager.close();
                throw failure(operation, "cannot start a transaction: " + describe(e), e);
            }
        }

        @Override
        void complete() {
            if (rollbackOnly) {
                rollback();
                if (nestedFailure != null) {
                    throw rolledBackByNestedFailure(nestedFailure);
                }
                return;
            }
            try {
                transaction.commit();
            } catch (PersistenceException e) {
                throw failure("commit", "commit failed: " + describe(e), e);
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
        void release() {
            entityManager.close();
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
    private final class JtaTx extends ActiveTx {
        private final boolean owned;

        JtaTx() {
            super(containerEntityManager);
            owned = jtaStatus() == Status.STATUS_NO_TRANSACTION;
            if (owned) {
                try {
                    transactionManager.begin();
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
                throw failure("begin", "cannot join the JTA transaction: " + describe(e), e);
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
                    throw rolledBackByNestedFailure(nestedFailure);
                }
                return;
            }
            try {
                transactionManager.commit();
            } catch (RollbackException | HeuristicMixedException | HeuristicRollbackException | SystemException e) {
                throw failure("commit", "commit failed: " + describe(e), e);
            }
        }

        @Override
        void abort(Throwable failure) {
            try {
                if (owned) {
                    rollback();
                } else {
                    transactionManager.setRollbackOnly();
                }
            } catch (RuntimeException | SystemException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
        }

        private void rollback() {
            try {
                transactionManager.rollback();
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
                transactionManager.setRollbackOnly();
            } catch (SystemException e) {
                throw new StoreException("setRollbackOnly", "cannot mark the JTA transaction: " + e.getMessage(), e);
            }
        }

        @Override
        public boolean isRollbackOnly() {
            return jtaStatus() == Status.STATUS_MARKED_ROLLBACK;
        }
    }

    /**
     * Work inside a transaction an application framework runs on the store's data source (a Spring-managed
     * one), on that transaction's connection: the store's multi-statement operations join it instead of
     * committing, and their row locks hold until the framework ends it. The session's own transaction is
     * there for Hibernate, which takes locks only inside one; its commit flushes the session and stops at
     * the shared connection. A failure marks the framework's transaction rollback-only.
     */
    private final class JoinedTx extends ActiveTx {
        private final EntityTransaction transaction;
        private boolean rollbackOnly;

        JoinedTx(java.sql.Connection connection) {
            super(entityManagerFactory.unwrap(SessionFactory.class).withOptions()
                    .connection(SharedConnection.of(connection)).openSession());
            transaction = entityManager.getTransaction();
            try {
                transaction.begin();
            } catch (PersistenceException e) {
                entityManager.close();
                throw failure("begin", "cannot join the application's transaction: " + describe(e), e);
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
                join.setRollbackOnly(e);
                throw failure("flush", "writing the session's changes failed: " + describe(e), e);
            }
        }

        @Override
        void abort(Throwable failure) {
            try {
                join.setRollbackOnly(failure);
                if (transaction.isActive()) {
                    transaction.rollback();
                }
            } catch (RuntimeException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
        }

        @Override
        void release() {
            entityManager.close();
        }

        @Override
        public void setRollbackOnly() {
            ensureActive();
            rollbackOnly = true;
            join.setRollbackOnly(nestedFailure);
        }

        @Override
        public boolean isRollbackOnly() {
            return rollbackOnly || join.isRollbackOnly();
        }
    }
}
