package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Lock and statement timeouts, per store and per transaction, end in typed exceptions. */
class TimeoutTest extends IntegrationTest {

    @Test
    void aStoreWideLockTimeoutEndsALockWaitWithATypedException() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());
        try (Store impatient = Store.open(db.config().toBuilder().lockTimeout(Duration.ofMillis(200)).build())) {
            whileRowLocked(state.taskExecId(), () -> assertThatThrownBy(() -> impatient.taskRepository().withTx(tx -> {
                impatient.taskRepository().getStateForUpdate(tx, state.taskExecId());
            })).isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                assertThat(e.sqlState()).isEqualTo("55P03");
                assertThat(e.getMessage()).contains("getStateForUpdate(task_exec_id=" + state.taskExecId() + ")");
            }));
        }
    }

    @Test
    void aPerTransactionLockTimeoutAppliesToThatTransactionOnly() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());

        whileRowLocked(state.taskExecId(), () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
            tx.setLockTimeout(Duration.ofMillis(100));
            tasks.getStateForUpdate(tx, state.taskExecId());
        })).isInstanceOf(LockTimeoutException.class));
        assertThat(scalar("SHOW lock_timeout")).isEqualTo("0");
        String taskId = tasks.fromTx(tx -> {
            tx.setLockTimeout(Duration.ofMillis(100));
            return tasks.getStateForUpdate(tx, state.taskExecId()).taskId();
        });
        assertThat(taskId).isEqualTo("held");
    }

    @Test
    void aStoreWideStatementTimeoutCancelsALongStatement() {
        try (Store impatient = Store.open(db.config().toBuilder().statementTimeout(Duration.ofMillis(200)).build())) {
            assertThatThrownBy(() -> impatient.database().execute("SELECT pg_sleep(10)"))
                    .isInstanceOfSatisfying(StatementTimeoutException.class, e -> assertThat(e.sqlState()).isEqualTo("57014"));
            assertThat(impatient.database().execute("SELECT 1")).isZero();
        }
    }

    @Test
    void aPerTransactionStatementTimeoutCancelsALongStatement() {
        assertThatThrownBy(() -> tasks.withTx(tx -> {
            tx.setStatementTimeout(Duration.ofMillis(100));
            store.database().execute("SELECT pg_sleep(10)");
        })).isInstanceOf(StatementTimeoutException.class);
    }

    @Test
    void timeoutsCannotBeSetOutsideATransactionOrNegative() {
        assertThatThrownBy(() -> tasks.withTx(tx -> tx.setLockTimeout(Duration.ofSeconds(-1))))
                .hasMessageStartingWith("timeout:");
        assertThatThrownBy(() -> StoreConfig.builder().lockTimeout(Duration.ofMillis(-1)).build())
                .hasMessageStartingWith("lockTimeout:");
    }
}
