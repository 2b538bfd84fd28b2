package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static dev.compozy.store.testing.Latches.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.Tx;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** getStateForUpdate takes a row lock that serialises writers without blocking child inserts. */
class TaskLockingTest extends IntegrationTest {

    @Test
    void lockingEmitsForNoKeyUpdate() {
        TaskState state = tasks.upsertState(task(execution(workflows), "locked").build());
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.taskRepository().withTx(tx -> {
                recorded.taskRepository().getStateForUpdate(tx, state.taskExecId());
            });
        }
        assertThat(recorder.matching("from task_states"))
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).contains(" for no key update"));
    }

    @Test
    void aSecondLockerWaitsUntilTheFirstCommitsAndNoUpdateIsLost() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "counter")
                .output(Map.of("steps", List.of()))
                .build());
        CountDownLatch firstHoldsLock = new CountDownLatch(1);
        CountDownLatch secondIsWaiting = new CountDownLatch(1);

        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, state.taskExecId());
            firstHoldsLock.countDown();
            await(secondIsWaiting);
            tasks.upsertState(tx, appendStep(locked, "first"));
        }));
        await(firstHoldsLock);
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, state.taskExecId());
            tasks.upsertState(tx, appendStep(locked, "second"));
        }));
        awaitBackendsWaitingForLock(1);
        assertThat(second).isNotDone();
        secondIsWaiting.countDown();

        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);
        assertThat(tasks.getState(state.taskExecId()).output()).isEqualTo(Map.of("steps", List.of("first", "second")));
    }

    @Test
    void lockingAParentDoesNotBlockInsertingItsChildren() throws Exception {
        TaskState parent = tasks.upsertState(task(execution(workflows), "parent")
                .executionType(ExecutionType.PARALLEL)
                .build());

        whileRowLocked(parent.taskExecId(), () -> {
            List<TaskState> children = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                children.add(child(parent, "child-" + i).build());
            }
            tasks.withTx(tx -> {
                tx.setLockTimeout(java.time.Duration.ofSeconds(2));
                tasks.createChildStatesInTransaction(parent.taskExecId(), children);
            });
            tasks.upsertState(child(parent, "single").build());

            assertThat(tasks.getProgressInfo(parent.taskExecId()).totalChildren())
                    .isEqualTo(4);
        });
    }

    @Test
    void getStateForUpdateOutsideATransactionIsAnError() {
        TaskState state = tasks.upsertState(task(execution(workflows), "t").build());
        Tx[] escaped = new Tx[1];
        tasks.withTx(tx -> {
            escaped[0] = tx;
        });

        assertThatThrownBy(() -> tasks.getStateForUpdate(escaped[0], state.taskExecId()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("getStateForUpdate");
        assertThatThrownBy(() -> tasks.getStateForUpdate(null, state.taskExecId()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tx:");
    }

    @Test
    void getStateForUpdateOfAMissingRowThrowsNotFound() {
        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.getStateForUpdate(tx, "missing");
                }))
                .isInstanceOfSatisfying(
                        TaskNotFoundException.class,
                        e -> assertThat(e.taskExecId()).isEqualTo("missing"));
    }

    private static TaskState appendStep(TaskState state, String step) {
        @SuppressWarnings("unchecked")
        List<Object> steps = new ArrayList<>((List<Object>) state.output().get("steps"));
        steps.add(step);
        return state.toBuilder()
                .status(Status.RUNNING)
                .output(Map.of("steps", steps))
                .build();
    }

    /** Polls pg_stat_activity until the given number of the store's backends wait on a row lock. */
    private void awaitBackendsWaitingForLock(int waiting) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND wait_event_type = 'Lock' AND application_name = 'compozy-store'")
                < waiting) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no backend started waiting for the lock within 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
