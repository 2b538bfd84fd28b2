package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** completeChild: the child's final state and the parent's progress in one transaction on one connection. */
class CompleteChildTest extends IntegrationTest {
    private TaskState parent;

    @BeforeEach
    void parent() {
        WorkflowExecution execution = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    @Test
    void theLastChildToSucceedCompletesTheParent() {
        List<TaskState> children =
                List.of(child(parent, "a").build(), child(parent, "b").build());
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);

        ChildCompletion first = tasks.completeChild(
                children.get(0).toBuilder().status(Status.SUCCESS).build(), CompletionStrategy.WAIT_ALL);
        ChildCompletion last = tasks.completeChild(
                children.get(1).toBuilder()
                        .status(Status.SUCCESS)
                        .output(Map.of("ok", true))
                        .build(),
                CompletionStrategy.WAIT_ALL);

        assertThat(first.parentCompleted()).isFalse();
        assertThat(first.parentStatus()).isEqualTo(Status.RUNNING);
        assertThat(first.parentProgress().successCount()).isEqualTo(1);
        assertThat(last.parentCompleted()).isTrue();
        assertThat(last.parentStatus()).isEqualTo(Status.SUCCESS);
        assertThat(last.child().output()).isEqualTo(Map.of("ok", true));
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void failFastFailsTheParentOnTheFirstFailureAndOnlyOnce() {
        List<TaskState> children = List.of(
                child(parent, "a").build(),
                child(parent, "b").build(),
                child(parent, "c").build());
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);

        ChildCompletion failed = tasks.completeChild(
                children.get(0).toBuilder().status(Status.FAILED).build(), CompletionStrategy.FAIL_FAST);
        ChildCompletion later = tasks.completeChild(
                children.get(1).toBuilder().status(Status.FAILED).build(), CompletionStrategy.FAIL_FAST);

        assertThat(failed.parentCompleted()).isTrue();
        assertThat(failed.parentStatus()).isEqualTo(Status.FAILED);
        assertThat(later.parentCompleted()).isFalse();
        assertThat(later.parentStatus()).isEqualTo(Status.FAILED);
    }

    @Test
    void itNeedsOnlyOneConnection() {
        TaskState only = child(parent, "only").build();
        tasks.createChildStatesInTransaction(parent.taskExecId(), List.of(only));
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));

        try (Store single = Store.open(db.config().toBuilder()
                .maxPoolSize(1)
                .minIdle(0)
                .connectTimeout(Duration.ofSeconds(1))
                .build())) {
            ChildCompletion done = single.taskRepository()
                    .completeChild(only.toBuilder().status(Status.SUCCESS).build(), CompletionStrategy.WAIT_ALL);
            assertThat(done.parentCompleted()).isTrue();
        }
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.taskRepository()
                    .completeChild(only.toBuilder().status(Status.SUCCESS).build(), CompletionStrategy.WAIT_ALL);
        }
        assertThat(recorder.executions())
                .extracting(SqlRecorder.Execution::sql)
                .satisfiesExactly(
                        sql -> assertThat(sql).contains("FOR NO KEY UPDATE"),
                        sql -> assertThat(sql).startsWith("INSERT INTO task_states"),
                        sql -> assertThat(sql).contains("GROUP BY status"),
                        sql -> assertThat(sql).isEqualTo(SqlRecorder.COMMIT));
    }

    @Test
    void eightThreadsCompletingTwoThousandChildrenSettleTheParentExactlyOnce() throws Exception {
        int threads = 8;
        int total = 2_000;
        List<TaskState> children = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            children.add(child(parent, "c-" + i).status(Status.RUNNING).build());
        }
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);
        ConcurrentLinkedQueue<TaskState> queue = new ConcurrentLinkedQueue<>(children);
        ConcurrentLinkedQueue<ChildCompletion> completions = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(threads);

        try (Store pool = Store.open(
                db.config().toBuilder().maxPoolSize(threads).minIdle(threads).build())) {
            TaskRepository repo = pool.taskRepository();
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    workers.add(executor.submit(() -> {
                        start.await();
                        TaskState next;
                        while ((next = queue.poll()) != null) {
                            completions.add(repo.completeChild(
                                    next.toBuilder().status(Status.SUCCESS).build(), CompletionStrategy.WAIT_ALL));
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get(5, TimeUnit.MINUTES);
                }
            } finally {
                executor.shutdown();
            }
        }

        assertThat(completions).hasSize(total);
        assertThat(completions.stream().filter(ChildCompletion::parentCompleted))
                .singleElement()
                .satisfies(c -> assertThat(c.parentProgress().successCount()).isEqualTo(total));
        assertThat(completions.stream()
                        .map(c -> c.parentProgress().successCount())
                        .distinct()
                        .count())
                .as("each completion saw a different, exact count")
                .isEqualTo(total);
        ProgressInfo progress = tasks.getProgressInfo(parent.taskExecId());
        assertThat(progress.successCount()).isEqualTo(total);
        assertThat(progress.totalChildren()).isEqualTo(total);
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void aChildWithoutParentOrWithAMissingParentIsRejected() {
        TaskState orphan =
                task(workflows.getExecution(parent.workflowExecId()), "orphan").build();

        assertThatThrownBy(() -> tasks.completeChild(orphan, CompletionStrategy.WAIT_ALL))
                .hasMessageStartingWith("parentStateId:");
        assertThatThrownBy(() -> tasks.completeChild(
                        orphan.toBuilder().parentStateId("ghost").build(), CompletionStrategy.WAIT_ALL))
                .isInstanceOfSatisfying(
                        TaskNotFoundException.class,
                        e -> assertThat(e.taskExecId()).isEqualTo("ghost"));
        assertThatThrownBy(() -> tasks.completeChild(child(parent, "x").build(), null))
                .hasMessageStartingWith("strategy:");
        assertThat(count("SELECT count(*) FROM task_states")).isEqualTo(1);
    }
}
