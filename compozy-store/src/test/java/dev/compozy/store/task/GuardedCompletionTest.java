package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionError;
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

/** completeChild refuses to change a finished child; the same outcome again is an idempotent success. */
class GuardedCompletionTest extends IntegrationTest {
    private WorkflowExecution execution;
    private TaskState parent;

    @BeforeEach
    void parent() {
        execution = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    private TaskState pendingChild(String taskId) {
        TaskState child = child(parent, taskId).build();
        tasks.createChildStatesInTransaction(parent.taskExecId(), List.of(child));
        return child;
    }

    @Test
    void completingAFinishedChildWithAnotherOutcomeIsRefusedAndChangesNothing() {
        TaskState child = pendingChild("only");
        tasks.completeChild(
                child.toBuilder()
                        .status(Status.SUCCESS)
                        .output(Map.of("rows", 1))
                        .build(),
                CompletionStrategy.FAIL_FAST);
        TaskState storedChild = tasks.getState(child.taskExecId());
        TaskState storedParent = tasks.getState(parent.taskExecId());

        assertThatThrownBy(() -> tasks.completeChild(
                        child.toBuilder()
                                .status(Status.FAILED)
                                .error(ExecutionError.of("BOOM", "late failure"))
                                .build(),
                        CompletionStrategy.FAIL_FAST))
                .isInstanceOfSatisfying(TaskAlreadyTerminalException.class, e -> {
                    assertThat(e.taskExecId()).isEqualTo(child.taskExecId());
                    assertThat(e.storedStatus()).isEqualTo(Status.SUCCESS);
                    assertThat(e.refusedStatus()).isEqualTo(Status.FAILED);
                });
        assertThatThrownBy(() -> tasks.completeChild(
                        child.toBuilder()
                                .status(Status.SUCCESS)
                                .output(Map.of("rows", 2))
                                .build(),
                        CompletionStrategy.FAIL_FAST))
                .isInstanceOf(TaskAlreadyTerminalException.class)
                .hasMessageContaining("different output or error");
        assertThatThrownBy(() -> tasks.completeChild(
                        child.toBuilder().status(Status.RUNNING).build(), CompletionStrategy.FAIL_FAST))
                .isInstanceOf(TaskAlreadyTerminalException.class);

        assertThat(tasks.getState(child.taskExecId())).isEqualTo(storedChild);
        assertThat(tasks.getState(parent.taskExecId())).isEqualTo(storedParent);
    }

    @Test
    void repeatingExactlyTheStoredOutcomeIsAnIdempotentSuccess() {
        TaskState child = pendingChild("only");
        TaskState done = child.toBuilder()
                .status(Status.FAILED)
                .output(Map.of("rows", 1))
                .error(ExecutionError.of("BOOM", "failed"))
                .build();
        ChildCompletion first = tasks.completeChild(done, CompletionStrategy.FAIL_FAST);

        ChildCompletion again = tasks.completeChild(done, CompletionStrategy.FAIL_FAST);

        assertThat(first.parentCompleted()).isTrue();
        assertThat(again.parentCompleted())
                .as("the parent was settled once, by the first")
                .isFalse();
        assertThat(again.parentStatus()).isEqualTo(Status.FAILED);
        assertThat(again.child().output()).isEqualTo(Map.of("rows", 1));
    }

    @Test
    void repeatingTheStoredOutcomeOfAChildFailedByItsLeaseSettlesItsParent() {
        TaskState child = pendingChild("only");
        LeaseTerms once =
                LeaseTerms.of("agent", java.time.Duration.ofMinutes(1)).withMaxAttempts(1);
        tasks.claimTasks(execution.workflowExecId(), once, 1);
        execute(
                "UPDATE task_states SET lease_expires_at = now() - interval '1 second' WHERE task_exec_id = ?",
                child.taskExecId());
        TaskState failed =
                tasks.claimTasks(execution.workflowExecId(), once, 1).failed().get(0);

        ChildCompletion settled = tasks.completeChild(failed, CompletionStrategy.FAIL_FAST);

        assertThat(settled.parentCompleted()).isTrue();
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.FAILED);
    }

    @Test
    void twoAgentsCompletingTheSameChildWithDifferentOutcomesExactlyOneWinsAndTheParentAgrees() throws Exception {
        int rounds = 30;
        ExecutorService agents = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                TaskState roundParent = tasks.upsertState(task(execution, "fan-out-" + round)
                        .executionType(ExecutionType.PARALLEL)
                        .status(Status.RUNNING)
                        .build());
                TaskState child =
                        child(roundParent, "only").status(Status.RUNNING).build();
                tasks.createChildStatesInTransaction(roundParent.taskExecId(), List.of(child));
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Object>> outcomes = new ArrayList<>();
                for (Status outcome : List.of(Status.SUCCESS, Status.FAILED)) {
                    outcomes.add(agents.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        try {
                            return tasks.completeChild(
                                    child.toBuilder().status(outcome).build(), CompletionStrategy.FAIL_FAST);
                        } catch (TaskAlreadyTerminalException e) {
                            return e;
                        }
                    }));
                }
                List<Object> results = new ArrayList<>();
                for (Future<Object> outcome : outcomes) {
                    results.add(outcome.get(30, TimeUnit.SECONDS));
                }

                assertThat(results)
                        .filteredOn(ChildCompletion.class::isInstance)
                        .as("round %d", round)
                        .hasSize(1);
                assertThat(results)
                        .filteredOn(TaskAlreadyTerminalException.class::isInstance)
                        .hasSize(1);
                ChildCompletion winner = (ChildCompletion) results.stream()
                        .filter(ChildCompletion.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                Status stored = tasks.getState(child.taskExecId()).status();
                assertThat(stored).isEqualTo(winner.child().status());
                assertThat(tasks.getState(roundParent.taskExecId()).status())
                        .as("the parent agrees with its child")
                        .isEqualTo(stored);
                assertThat(winner.parentCompleted()).isTrue();
            }
        } finally {
            agents.shutdown();
        }
    }
}
