package dev.compozy.store.spring;

import dev.compozy.store.TransactionJoin;
import dev.compozy.store.core.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The data source to open a {@link dev.compozy.store.Store} on in a Spring application: the store's
 * operations join the Spring-managed transaction active on the calling thread on {@code target} (a
 * {@code @Transactional} method or a {@code TransactionTemplate}, with Spring's JDBC or JPA transaction
 * manager), and run transactions of their own when there is none. The Boot auto-configuration uses it;
 * without Boot: {@code Store.open(new TransactionJoiningDataSource(dataSource), settings)}.
 *
 * <p>Joined work never commits: the store's multi-statement operations ({@code withTx}, child batches,
 * {@code completeChild}, locks) run on the transaction's connection and commit or roll back with it. A
 * failed operation, or a {@code withTx} function that throws, makes the transaction roll back even when the
 * application catches the exception: its commit then fails with a {@link StoreException} naming the failure.
 * Retrying transactions ({@code withTx(RetryPolicy, …)}) are refused inside one. Connections taken from
 * this data source directly are plain pooled connections of {@code target}.
 */
public class TransactionJoiningDataSource extends DelegatingDataSource implements TransactionJoin {

    public TransactionJoiningDataSource(DataSource target) {
        super(target);
    }

    /**
     * The connection Spring's transaction manager bound for the target data source, when a transaction is
     * active and holds one in a database transaction. A transaction of another data source's manager, or
     * a scope that only synchronizes auto-commit connections, has nothing the store could join.
     */
    @Override
    public Connection transactionalConnection() throws SQLException {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !(TransactionSynchronizationManager.getResource(obtainTargetDataSource())
                        instanceof ConnectionHolder holder)) {
            return null;
        }
        Connection connection = holder.getConnection();
        return connection.getAutoCommit() ? null : connection;
    }

    /**
     * Not the holder's rollback-only flag: JPA's transaction manager does not read it. A failing
     * before-commit callback makes every transaction manager roll back, and its exception says why.
     */
    @Override
    public void setRollbackOnly(Throwable cause) {
        RollbackMarker marker = marker();
        if (marker == null) {
            TransactionSynchronizationManager.registerSynchronization(new RollbackMarker(this, cause));
        } else if (marker.cause == null) {
            marker.cause = cause;
        }
    }

    @Override
    public boolean isRollbackOnly() {
        return marker() != null;
    }

    /** This data source's marker in the current transaction; a suspended transaction's markers are not listed. */
    private RollbackMarker marker() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        for (TransactionSynchronization synchronization : TransactionSynchronizationManager.getSynchronizations()) {
            if (synchronization instanceof RollbackMarker marker && marker.owner == this) {
                return marker;
            }
        }
        return null;
    }

    /**
     * Fails the commit of a transaction in which the store's work failed. A {@link StoreException}, not a
     * Spring TransactionException: Spring rolls back after a failing callback of any other type, but
     * after an UnexpectedRollbackException it would only clean up.
     */
    private static final class RollbackMarker implements TransactionSynchronization {
        private final TransactionJoiningDataSource owner;
        private Throwable cause;

        RollbackMarker(TransactionJoiningDataSource owner, Throwable cause) {
            this.owner = owner;
            this.cause = cause;
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            throw new StoreException(
                    "commit",
                    "transaction rolled back: "
                            + (cause == null
                                    ? "the store's work asked for a rollback"
                                    : "the store's work failed with " + cause),
                    cause);
        }
    }
}
