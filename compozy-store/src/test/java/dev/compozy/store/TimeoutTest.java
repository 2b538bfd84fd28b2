package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Lock and statement timeouts, per store and per transaction, end in typed exceptions. */
class TimeoutTest extends IntegrationTest {

    @Test
    void aStoreWideLockTimeoutEndsALockWaitWithATypedException() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());
        try (Store impatient = Store.open(
                db.config().toBuilder().lockTimeout(Duration.ofMillis(200)).build())) {
            whileRowLocked(
                    state.taskExecId(),
                    () -> assertThatThrownBy(() -> impatient.taskRepository().withTx(tx -> {
                                impatient.taskRepository().getStateForUpdate(tx, state.taskExecId());
                            }))
                            .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                                assertThat(e.sqlState()).isEqualTo("55P03");
                                assertThat(e.getMessage())
                                        .contains("getStateForUpdate(task_exec_id=" + state.taskExecId() + ")");
                            }));
        }
    }

    @Test
    void aPerTransactionLockTimeoutAppliesToThatTransactionOnly() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());

        whileRowLocked(
                state.taskExecId(),
                () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
                            tx.setLockTimeout(Duration.ofMillis(100));
                            tasks.getStateForUpdate(tx, state.taskExecId());
                        }))
                        .isInstanceOf(LockTimeoutException.class));
        assertThat(scalar("SHOW lock_timeout")).isEqualTo("0");
        String taskId = tasks.fromTx(tx -> {
            tx.setLockTimeout(Duration.ofMillis(100));
            return tasks.getStateForUpdate(tx, state.taskExecId()).taskId();
        });
        assertThat(taskId).isEqualTo("held");
    }

    @Test
    void aStoreWideStatementTimeoutCancelsALongStatement() {
        try (Store impatient = Store.open(
                db.config().toBuilder().statementTimeout(Duration.ofMillis(200)).build())) {
            assertThatThrownBy(() -> impatient.database().execute("SELECT pg_sleep(10)"))
                    .isInstanceOfSatisfying(
                            StatementTimeoutException.class,
                            e -> assertThat(e.sqlState()).isEqualTo("57014"));
            assertThat(impatient.database().execute("SELECT 1")).isZero();
        }
    }

    @Test
    void aPerTransactionStatementTimeoutCancelsALongStatement() {
        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tx.setStatementTimeout(Duration.ofMillis(100));
                    store.database().execute("SELECT pg_sleep(10)");
                }))
                .isInstanceOf(StatementTimeoutException.class);
    }

    @Test
    void timeoutsCannotBeSetOutsideATransactionOrNegative() {
        assertThatThrownBy(() -> tasks.withTx(tx -> tx.setLockTimeout(Duration.ofSeconds(-1))))
                .hasMessageStartingWith("timeout:");
        assertThatThrownBy(() ->
                        StoreConfig.builder().lockTimeout(Duration.ofMillis(-1)).build())
                .hasMessageStartingWith("lockTimeout:");
    }

    @Test
    void aLockWaitEndsAfterTheDefaultLockTimeoutWithoutAnySetting() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());

        assertThat(show(store, "lock_timeout")).isEqualTo("3s");
        whileRowLocked(
                state.taskExecId(),
                () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
                            tasks.getStateForUpdate(tx, state.taskExecId());
                        }))
                        .isInstanceOf(LockTimeoutException.class));
    }

    @Test
    void optionsInTheUrlDoNotCancelTheBuildersLockTimeout() {
        String url = "postgres://" + TestDatabase.APP_USER + "@" + db.host() + ":" + db.port() + "/"
                + TestDatabase.SHARED_DATABASE + "?options=-c%20statement_timeout%3D5000%20-c%20search_path%3Dpublic";
        try (Store fromUrl = Store.open(StoreConfig.builder()
                .connString(url)
                .password(TestDatabase.APP_PASSWORD)
                .lockTimeout(Duration.ofMillis(200))
                .statementTimeout(Duration.ofSeconds(1))
                .build())) {
            assertThat(show(fromUrl, "lock_timeout")).isEqualTo("200ms");
            assertThat(show(fromUrl, "statement_timeout")).isEqualTo("5s");
            assertThat(show(fromUrl, "search_path")).isEqualTo("public");
        }
    }

    @Test
    void anIdleInTransactionTimeoutReachesEverySession() {
        try (Store bounded = Store.open(db.config().toBuilder()
                .idleInTransactionTimeout(Duration.ofMinutes(1))
                .build())) {
            assertThat(show(bounded, "idle_in_transaction_session_timeout")).isEqualTo("1min");
        }
    }

    @Test
    void zeroTurnsTheLockTimeoutOff() {
        try (Store patient =
                Store.open(db.config().toBuilder().lockTimeout(Duration.ZERO).build())) {
            assertThat(show(patient, "lock_timeout")).isEqualTo("0");
        }
    }

    private static String show(Store on, String setting) {
        return on.database()
                .fromTx(tx -> tx.withConnection(connection -> {
                    try (var statement = connection.createStatement();
                            var rows = statement.executeQuery("SHOW " + setting)) {
                        rows.next();
                        return rows.getString(1);
                    }
                }));
    }
}
