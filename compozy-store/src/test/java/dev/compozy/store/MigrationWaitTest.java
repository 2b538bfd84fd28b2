package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store's lock timeout bounds its own transactions, not a process waiting for another's migration. */
@ExtendWith(PostgresExtension.class)
class MigrationWaitTest {

    @Test
    void aStoreWaitsForAnotherProcessesMigrationLongerThanItsLockTimeout(TestDatabase db) throws Exception {
        String name = db.createDatabase("store_migration_wait");
        try (Connection other = db.connect(name)) {
            lock(other, "SELECT pg_advisory_lock(?)");
            // One connection, so that the session that migrated is the one asked afterwards.
            CompletableFuture<String> opening = CompletableFuture.supplyAsync(() -> {
                try (Store store = Store.open(db.config(name)
                        .autoMigrate(true)
                        .lockTimeout(Duration.ofMillis(100))
                        .maxPoolSize(1)
                        .minIdle(0)
                        .applicationName("migration-waiter")
                        .build())) {
                    return store.database()
                            .fromTx(tx -> tx.withConnection(connection -> {
                                try (var statement = connection.createStatement();
                                        var rows = statement.executeQuery("SHOW lock_timeout")) {
                                    rows.next();
                                    return rows.getString(1);
                                }
                            }));
                }
            });

            awaitWaitingLongerThan(other, opening, Duration.ofMillis(500));
            lock(other, "SELECT pg_advisory_unlock(?)");
            assertThat(opening.get(60, TimeUnit.SECONDS))
                    .as("the store's lock timeout after migrating")
                    .isEqualTo("100ms");
        }
    }

    /** Polls pg_stat_activity until the store's migrating session has waited on the lock this long. */
    private static void awaitWaitingLongerThan(Connection admin, CompletableFuture<String> opening, Duration wait)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (PreparedStatement waited = admin.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                + "WHERE application_name = 'migration-waiter' AND wait_event_type = 'Lock' "
                + "AND now() - query_start > make_interval(secs => ?)")) {
            waited.setDouble(1, wait.toMillis() / 1000.0);
            while (true) {
                assertThat(opening)
                        .as("the store gave up waiting for the other migration")
                        .isNotDone();
                try (ResultSet rows = waited.executeQuery()) {
                    rows.next();
                    if (rows.getLong(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the store's migration never waited for the lock");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private static void lock(Connection connection, String sql) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, Migrations.ADVISORY_LOCK_KEY);
            statement.execute();
        }
    }
}
