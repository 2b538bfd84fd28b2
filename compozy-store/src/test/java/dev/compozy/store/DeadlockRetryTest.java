package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.RetriesExhaustedException;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.TransientStoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deadlocks are reported as transient failures; the retrying helper completes both transactions. */
class DeadlockRetryTest extends IntegrationTest {
    private TaskState a;
    private TaskState b;

    @BeforeEach
    void twoRows() {
        WorkflowExecution execution = execution(workflows);
        a = tasks.upsertState(
                task(execution, "a").output(Map.of("writes", List.of())).build());
        b = tasks.upsertState(
                task(execution, "b").output(Map.of("writes", List.of())).build());
    }

    /**
     * Locks {@code first}, waits until the other transaction holds its first lock too (on the first
     * attempt only), then locks {@code second}: opposite orders in two threads make a deadlock.
     */
    private void lockBothInOrder(
            Tx tx, TaskState first, TaskState second, CyclicBarrier bothHoldOne, AtomicInteger attempts, String writer)
            throws Exception {
        TaskState one = tasks.getStateForUpdate(tx, first.taskExecId());
        if (attempts.incrementAndGet() == 1) {
            bothHoldOne.await(30, TimeUnit.SECONDS);
        }
        TaskState two = tasks.getStateForUpdate(tx, second.taskExecId());
        tasks.upsertState(tx, append(one, writer));
        tasks.upsertState(tx, append(two, writer));
    }

    private static TaskState append(TaskState state, String writer) {
        @SuppressWarnings("unchecked")
        List<Object> writes = new ArrayList<>((List<Object>) state.output().get("writes"));
        writes.add(writer);
        return state.toBuilder()
                .status(Status.RUNNING)
                .output(Map.of("writes", writes))
                .build();
    }

    @Test
    void withoutRetryOneSideSurfacesADeadlock() throws Exception {
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        AtomicInteger attemptsA = new AtomicInteger();
        AtomicInteger attemptsB = new AtomicInteger();
        CompletableFuture<Void> left = CompletableFuture.runAsync(
                () -> run(() -> tasks.withTx(tx -> lockBothInOrder(tx, a, b, bothHoldOne, attemptsA, "left"))));
        CompletableFuture<Void> right = CompletableFuture.runAsync(
                () -> run(() -> tasks.withTx(tx -> lockBothInOrder(tx, b, a, bothHoldOne, attemptsB, "right"))));

        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<Void> side : List.of(left, right)) {
            try {
                side.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
        }

        assertThat(failures).singleElement().isInstanceOfSatisfying(TransientStoreException.class, e -> {
            assertThat(e.isDeadlock()).isTrue();
            assertThat(e.sqlState()).isEqualTo("40P01");
        });
        assertThat(writesOf(a)).hasSize(1);
        assertThat(writesOf(b)).isEqualTo(writesOf(a));
    }

    @Test
    void theRetryingHelperCompletesBothTransactions() throws Exception {
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        AtomicInteger attemptsA = new AtomicInteger();
        AtomicInteger attemptsB = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(50));

        CompletableFuture<Void> left = CompletableFuture.runAsync(() ->
                run(() -> tasks.withTx(policy, tx -> lockBothInOrder(tx, a, b, bothHoldOne, attemptsA, "left"))));
        CompletableFuture<Void> right = CompletableFuture.runAsync(() ->
                run(() -> tasks.withTx(policy, tx -> lockBothInOrder(tx, b, a, bothHoldOne, attemptsB, "right"))));
        left.get(60, TimeUnit.SECONDS);
        right.get(60, TimeUnit.SECONDS);

        assertThat(attemptsA.get() + attemptsB.get()).as("one side ran twice").isEqualTo(3);
        assertThat(writesOf(a)).containsExactlyInAnyOrder("left", "right");
        assertThat(writesOf(b)).isEqualTo(writesOf(a));
    }

    @Test
    void lockingBothRowsInOneCallTakesThemInIdOrderAndNeverDeadlocks() throws Exception {
        int rounds = 25;
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<Void> left = CompletableFuture.runAsync(() -> run(() -> {
            for (int i = 0; i < rounds; i++) {
                start.await(30, TimeUnit.SECONDS);
                tasks.withTx(tx -> {
                    tx.setLockTimeout(Duration.ofSeconds(10));
                    tasks.getStatesForUpdate(tx, List.of(a.taskExecId(), b.taskExecId()))
                            .forEach(s -> tasks.upsertState(tx, append(s, "left")));
                });
            }
        }));
        CompletableFuture<Void> right = CompletableFuture.runAsync(() -> run(() -> {
            for (int i = 0; i < rounds; i++) {
                start.await(30, TimeUnit.SECONDS);
                tasks.withTx(tx -> {
                    tx.setLockTimeout(Duration.ofSeconds(10));
                    tasks.getStatesForUpdate(tx, List.of(b.taskExecId(), a.taskExecId()))
                            .forEach(s -> tasks.upsertState(tx, append(s, "right")));
                });
            }
        }));
        left.get(120, TimeUnit.SECONDS);
        right.get(120, TimeUnit.SECONDS);

        assertThat(writesOf(a)).hasSize(2 * rounds);
        assertThat(writesOf(b)).isEqualTo(writesOf(a));
    }

    @Test
    void aTransactionThatAlwaysFailsTransientlyGivesUpAfterTheLastAttempt() {
        AtomicInteger runs = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);

        assertThatThrownBy(() -> tasks.withTx(policy, tx -> {
                    runs.incrementAndGet();
                    store.database().execute("DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$");
                }))
                .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
                    assertThat(e.attempts()).isEqualTo(3);
                    assertThat(e.getCause()).isInstanceOf(TransientStoreException.class);
                    assertThat(e.sqlState()).isEqualTo("40001");
                });
        assertThat(runs).hasValue(3);
    }

    @Test
    void aNonTransientFailureIsNotRetried() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> tasks.withTx(RetryPolicy.defaults(), tx -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("business rule");
                }))
                .hasMessage("business rule");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aRetryingTransactionCannotJoinAnOpenOne() {
        assertThatThrownBy(() -> tasks.withTx(outer -> {
                    tasks.withTx(RetryPolicy.defaults(), inner -> {});
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot join");
    }

    private List<Object> writesOf(TaskState state) {
        @SuppressWarnings("unchecked")
        List<Object> writes =
                (List<Object>) tasks.getState(state.taskExecId()).output().get("writes");
        return writes;
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(Body body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
