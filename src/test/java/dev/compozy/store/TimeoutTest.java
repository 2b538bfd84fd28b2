package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static dev.compozy.store.testing.Latches.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lock and statement timeouts, per store and per transaction, end in typed exceptions. */
class TimeoutTest extends IntegrationTest {

    /** Runs {@code body} while another transaction holds the row lock of {@code state}. */
    private void whileLocked(TaskState state, Runnable body) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> tasks.withTx(tx -> {
            tasks.getStateForUpdate(tx, state.taskExecId());
            locked.countDown();
            await(release);
        }));
        await(locked);
        try {
            body.run();
        } finally {
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStoreWideLockTimeoutEndsALockWaitWithATypedException() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());
        try (Store impatient = Store.open(db.config().toBuilder().lockTimeout(Duration.ofMillis(200)).build())) {
            whileLocked(state, () -> assertThatThrownBy(() -> impatient.taskRepository().withTx(tx -> {
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

        whileLocked(state, () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
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
