package dev.compozy.store;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.Require;
import dev.compozy.store.core.RetriesExhaustedException;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.TransientStoreException;
import dev.compozy.store.core.TxConsumer;
import dev.compozy.store.core.TxFunction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.TransactionManager;
import java.sql.PreparedStatement;
import java.util.Objects;
import javax.sql.DataSource;
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
    private final Transactions transactions;

    public Database(DataSource dataSource, EntityManagerFactory entityManagerFactory) {
        this(dataSource, entityManagerFactory, () -> {}, StoreMetrics.NONE);
    }

    Database(
            DataSource dataSource,
            EntityManagerFactory entityManagerFactory,
            Runnable onConnectionLoss,
            StoreMetrics metrics) {
        this(new Transactions(
                Objects.requireNonNull(dataSource, "dataSource"),
                entityManagerFactory,
                null,
                null,
                onConnectionLoss,
                metrics));
    }

    private Database(Transactions transactions) {
        this.transactions = transactions;
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
        TransactionManager transactionManager =
                services.requireService(JtaPlatform.class).retrieveTransactionManager();
        if (transactionManager == null) {
            throw new IllegalArgumentException("entityManager: Hibernate has no JTA transaction manager for its "
                    + "persistence unit (set hibernate.transaction.jta.platform)");
        }
        return new Database(new Transactions(null, factory, entityManager, transactionManager, () -> {}, metrics));
    }

    /**
     * The connection pool; connections taken from it directly do not join the store's transactions.
     *
     * @throws IllegalStateException for a {@link #containerManaged} database, whose connections are the
     *     container's
     */
    public DataSource dataSource() {
        if (transactions.dataSource == null) {
            throw new IllegalStateException("a container-managed database has no pool of its own; its connections "
                    + "come from the persistence unit's JTA data source");
        }
        return transactions.dataSource;
    }

    public EntityManagerFactory entityManagerFactory() {
        return transactions.entityManagerFactory;
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
        return transactions.runStatement(
                "execute",
                tx -> tx.withConnection(connection -> {
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
        return transactions.fromTx("begin", work);
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
        return transactions.fromTx(policy, work);
    }

    /** {@link #fromTx(RetryPolicy, TxFunction)} for work that returns nothing. */
    public <E extends Exception> void withTx(RetryPolicy policy, TxConsumer<E> work) throws E {
        Objects.requireNonNull(work, "work");
        fromTx(policy, tx -> {
            work.accept(tx);
            return null;
        });
    }

    /** The transactions the repositories built on this database run their operations in. */
    Transactions transactions() {
        return transactions;
    }
}
