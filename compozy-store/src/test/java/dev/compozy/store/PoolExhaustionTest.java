package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.Latches;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * When every pooled connection is taken, an operation fails naming itself and its id, like every failure;
 * with the default lock timeout, threads queued on a row lock do not keep the pool exhausted.
 */
class PoolExhaustionTest extends IntegrationTest {

    @Test
    void aStatementThatFindsNoFreeConnectionNamesTheOperationAndId() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "t").build());
        try (Store small = smallStore()) {
            whileEveryConnectionIsTaken(
                    small,
                    2,
                    () -> assertThatThrownBy(() -> small.taskRepository().getState(state.taskExecId()))
                            .isInstanceOf(StoreException.class)
                            .hasMessageStartingWith("getState(task_exec_id=" + state.taskExecId() + "): ")
                            .hasMessageContaining("Connection is not available"));
        }
    }

    @Test
    void aTransactionThatFindsNoFreeConnectionNamesTheOperationAndId() throws Exception {
        TaskState parent =
                tasks.upsertState(task(execution(workflows), "parent").build());
        TaskState child = child(parent, "child").status(Status.SUCCESS).build();
        try (Store small = smallStore()) {
            whileEveryConnectionIsTaken(
                    small,
                    2,
                    () -> assertThatThrownBy(
                                    () -> small.taskRepository().completeChild(child, CompletionStrategy.WAIT_ALL))
                            .isInstanceOf(StoreException.class)
                            .hasMessageStartingWith("completeChild(task_exec_id=" + child.taskExecId()
                                    + ", parent_state_id=" + parent.taskExecId() + "): cannot start a transaction: ")
                            .hasMessageContaining("Connection is not available"));
        }
    }

    @Test
    void withTheDefaultsLockWaitersGiveTheirConnectionsBackBeforeOtherWorkGivesUpWaitingForOne() throws Exception {
        TaskState held = tasks.upsertState(task(execution(workflows), "held").build());
        TaskState other = tasks.upsertState(task(execution(workflows), "other").build());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Store four = Store.open(db.config(TestDatabase.SHARED_DATABASE)
                .maxPoolSize(4)
                .minIdle(0)
                .applicationName("four-connections")
                .build())) {
            TaskRepository fourTasks = four.taskRepository();
            Future<?> holder = threads.submit(() -> fourTasks.withTx(tx -> {
                fourTasks.getStateForUpdate(tx, held.taskExecId());
                locked.countDown();
                Latches.await(release);
            }));
            Latches.await(locked);
            List<Future<?>> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(threads.submit(() -> fourTasks.withTx(tx -> {
                    fourTasks.getStateForUpdate(tx, held.taskExecId());
                })));
            }
            awaitBackendsWaitingForALock("four-connections", 3);

            assertThat(fourTasks.getState(other.taskExecId()).taskId()).isEqualTo("other");
            for (Future<?> waiter : waiters) {
                assertThatThrownBy(() -> waiter.get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(LockTimeoutException.class);
            }
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    /** Polls pg_stat_activity until that many of the application's backends wait for a lock. */
    private void awaitBackendsWaitingForALock(String applicationName, int waiting) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = ?",
                        applicationName)
                < waiting) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the lock waiters never started waiting");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Runs {@code body} while this test holds every connection of the store's pool. */
    private static void whileEveryConnectionIsTaken(Store store, int poolSize, Body body) throws Exception {
        List<Connection> taken = new ArrayList<>();
        try {
            while (taken.size() < poolSize) {
                taken.add(store.database().dataSource().getConnection());
            }
            body.run();
        } finally {
            for (Connection connection : taken) {
                connection.close();
            }
        }
    }

    private Store smallStore() {
        return Store.open(db.config(TestDatabase.SHARED_DATABASE)
                .maxPoolSize(2)
                .minIdle(0)
                .connectTimeout(Duration.ofMillis(300))
                .build());
    }
}
