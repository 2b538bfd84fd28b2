package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** compareAndSetState: a write that succeeds only if nobody wrote the task since it was read. */
class CompareAndSetTest extends IntegrationTest {
    private WorkflowExecution execution;

    @BeforeEach
    void anExecution() {
        execution = execution(workflows);
    }

    @Test
    void twoReadersWritingBackAtOnceExactlyOneSucceeds() throws Exception {
        int rounds = 30;
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                TaskState written = tasks.upsertState(task(execution, "shared-" + round)
                        .status(Status.RUNNING)
                        .build());
                TaskState readByA = tasks.getState(written.taskExecId());
                TaskState readByB = tasks.getState(written.taskExecId());
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Object>> results = new ArrayList<>();
                for (TaskState read : List.of(readByA, readByB)) {
                    String writer = read == readByA ? "a" : "b";
                    results.add(writers.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        try {
                            return tasks.compareAndSetState(
                                    read,
                                    read.toBuilder()
                                            .output(Map.of("by", writer))
                                            .build());
                        } catch (TaskConflictException e) {
                            return e;
                        }
                    }));
                }
                List<Object> outcomes = new ArrayList<>();
                for (Future<Object> result : results) {
                    outcomes.add(result.get(30, TimeUnit.SECONDS));
                }

                assertThat(outcomes)
                        .filteredOn(TaskState.class::isInstance)
                        .as("round %d", round)
                        .hasSize(1);
                assertThat(outcomes)
                        .filteredOn(TaskConflictException.class::isInstance)
                        .hasSize(1);
                TaskState winner = (TaskState) outcomes.stream()
                        .filter(TaskState.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                assertThat(tasks.getState(written.taskExecId()).output()).isEqualTo(winner.output());
            }
        } finally {
            writers.shutdown();
        }
    }

    @Test
    void aWriteAfterSomeoneElsesIsRefusedAndWritesNothing() {
        TaskState read =
                tasks.upsertState(task(execution, "work").status(Status.RUNNING).build());
        TaskState other = tasks.upsertState(
                read.toBuilder().output(Map.of("by", "lease-unaware service")).build());

        assertThatThrownBy(() -> tasks.compareAndSetState(
                        read, read.toBuilder().status(Status.SUCCESS).build()))
                .isInstanceOfSatisfying(TaskConflictException.class, e -> {
                    assertThat(e.expectedUpdatedAt()).isEqualTo(read.updatedAt());
                    assertThat(e.actualUpdatedAt()).isEqualTo(other.updatedAt());
                });

        assertThat(tasks.getState(read.taskExecId())).isEqualTo(other);
    }

    @Test
    void aWriteOfTheStateJustReadSucceedsAndMovesUpdatedAt() {
        TaskState read =
                tasks.upsertState(task(execution, "work").status(Status.RUNNING).build());

        TaskState written = tasks.compareAndSetState(
                read, read.toBuilder().status(Status.SUCCESS).build());

        assertThat(written.updatedAt()).isAfter(read.updatedAt());
        assertThat(tasks.getState(read.taskExecId())).isEqualTo(written);
        assertThatThrownBy(() -> tasks.compareAndSetState(read, read)).isInstanceOf(TaskConflictException.class);
    }

    @Test
    void aChildIsWrittenUnderItsParentsCheck() {
        TaskState parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        TaskState read = tasks.upsertState(child(parent, "c").build());
        WorkflowExecution elsewhere = execution(workflows);

        TaskState written = tasks.compareAndSetState(
                read, read.toBuilder().status(Status.RUNNING).build());

        assertThat(written.status()).isEqualTo(Status.RUNNING);
        assertThatThrownBy(() -> tasks.compareAndSetState(
                        written,
                        written.toBuilder()
                                .workflowExecId(elsewhere.workflowExecId())
                                .build()))
                .hasMessageStartingWith("workflowExecId:");
    }

    @Test
    void aMissingTaskOrAStateNeverReadIsRejected() {
        TaskState neverWritten = task(execution, "ghost").build();
        TaskState read = neverWritten.toBuilder()
                .updatedAt(java.time.Instant.parse("2026-01-01T00:00:00Z"))
                .build();

        assertThatThrownBy(() -> tasks.compareAndSetState(neverWritten, neverWritten))
                .hasMessageStartingWith("read.updatedAt:");
        assertThatThrownBy(() -> tasks.compareAndSetState(read, read)).isInstanceOf(TaskNotFoundException.class);
        assertThatThrownBy(() ->
                        tasks.compareAndSetState(read, task(execution, "other").build()))
                .hasMessageStartingWith("updated.taskExecId:");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }
}
