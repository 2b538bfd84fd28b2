package dev.compozy.store.workflow;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** completeWorkflow: every branch of the spec, and two completers racing. */
class CompleteWorkflowTest extends IntegrationTest {

    private Object updatedAt(WorkflowExecution execution) {
        return scalar("SELECT updated_at FROM workflow_states WHERE workflow_exec_id = ?", execution.workflowExecId());
    }

    @Test
    void allTopLevelTasksSucceededGivesSuccessWithTheDefaultOutputSortedByTaskId() {
        WorkflowExecution execution = execution(workflows);
        TaskState parallel = tasks.upsertState(task(execution, "b-parallel")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.SUCCESS)
                .output(Map.of("merged", true))
                .build());
        tasks.upsertState(child(parallel, "c-child")
                .status(Status.SUCCESS)
                .output(Map.of("n", 1))
                .build());
        tasks.upsertState(task(execution, "a-basic").status(Status.SUCCESS).build());
        execute("UPDATE workflow_states SET error = '{\"message\": \"stale\"}'");

        WorkflowExecution completed = workflows.completeWorkflow(execution.workflowExecId());

        assertThat(completed.status()).isEqualTo(Status.SUCCESS);
        assertThat(completed.error()).isNull();
        assertThat(completed.output()).containsOnlyKeys("a-basic", "b-parallel", "c-child");
        assertThat(List.copyOf(completed.output().keySet())).containsExactly("a-basic", "b-parallel", "c-child");
        Map<String, Object> parallelEntry = new LinkedHashMap<>();
        parallelEntry.put("output", Map.of("merged", true));
        parallelEntry.put("execution_type", "parallel");
        assertThat(completed.output().get("b-parallel")).isEqualTo(parallelEntry);
        assertThat(completed.output().get("c-child"))
                .isEqualTo(Map.of("output", Map.of("n", 1), "parent_state_id", parallel.taskExecId()));
        Map<String, Object> basicEntry = new LinkedHashMap<>();
        basicEntry.put("output", null);
        assertThat(completed.output().get("a-basic")).isEqualTo(basicEntry);
        assertThat(workflows.getExecution(execution.workflowExecId())).isEqualTo(completed);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE error IS NULL"))
                .isEqualTo(1);
    }

    @Test
    void aFailedTopLevelTaskGivesFailed() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "ok").status(Status.SUCCESS).build());
        tasks.upsertState(task(execution, "broken").status(Status.FAILED).build());

        assertThat(workflows.completeWorkflow(execution.workflowExecId()).status())
                .isEqualTo(Status.FAILED);
    }

    @Test
    void aRunningOrPendingTopLevelTaskMeansNotReadyAndNothingChanges() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "done").status(Status.SUCCESS).build());
        tasks.upsertState(task(execution, "busy").status(Status.RUNNING).build());
        tasks.upsertState(task(execution, "queued").status(Status.PENDING).build());
        Object before = updatedAt(execution);

        assertThatThrownBy(() -> workflows.completeWorkflow(execution.workflowExecId()))
                .isInstanceOfSatisfying(WorkflowNotReadyException.class, e -> {
                    assertThat(e.workflowExecId()).isEqualTo(execution.workflowExecId());
                    assertThat(e.unfinishedTaskIds()).containsExactlyInAnyOrder("busy", "queued");
                });
        assertThat(updatedAt(execution)).isEqualTo(before);
        assertThat(workflows.getExecution(execution.workflowExecId()).status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void onlyTopLevelTasksDecide() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(task(execution, "parent")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.SUCCESS)
                .build());
        tasks.upsertState(child(parent, "still-running").status(Status.RUNNING).build());
        tasks.upsertState(child(parent, "failed-child").status(Status.FAILED).build());

        assertThat(workflows.completeWorkflow(execution.workflowExecId()).status())
                .isEqualTo(Status.SUCCESS);
    }

    @Test
    void anExecutionWithoutTasksSucceeds() {
        WorkflowExecution execution = execution(workflows);

        WorkflowExecution completed = workflows.completeWorkflow(execution.workflowExecId());

        assertThat(completed.status()).isEqualTo(Status.SUCCESS);
        assertThat(completed.output()).isEmpty();
    }

    @Test
    void analreadyFinishedExecutionIsReturnedUnchanged() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "late").status(Status.RUNNING).build());
        workflows.updateStatus(execution.workflowExecId(), Status.FAILED);
        Object before = updatedAt(execution);

        WorkflowExecution again = workflows.completeWorkflow(execution.workflowExecId());

        assertThat(again.status()).isEqualTo(Status.FAILED);
        assertThat(updatedAt(execution)).isEqualTo(before);
        assertThat(again).isEqualTo(workflows.getExecution(execution.workflowExecId()));
    }

    @Test
    void theTransformersOutputIsStored() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "count")
                .status(Status.SUCCESS)
                .output(Map.of("rows", 41))
                .build());

        WorkflowExecution completed = workflows.completeWorkflow(
                execution.workflowExecId(),
                e -> Map.of("total", (int) e.tasks().get("count").output().get("rows") + 1));

        assertThat(completed.status()).isEqualTo(Status.SUCCESS);
        assertThat(completed.output()).isEqualTo(Map.of("total", 42));
    }

    @Test
    void aTransformerOutputThatCannotBeStoredFailsTheWorkflowLikeAThrowingTransformer() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "only")
                .status(Status.SUCCESS)
                .output(Map.of("x", 1))
                .build());

        WorkflowExecution completed =
                workflows.completeWorkflow(execution.workflowExecId(), e -> Map.of("ratio", Double.NaN));

        assertThat(completed.status()).isEqualTo(Status.FAILED);
        assertThat(completed.output()).containsOnlyKeys("only");
        assertThat(completed.error().code()).isEqualTo(WorkflowRepository.OUTPUT_TRANSFORMATION_FAILED);
        assertThat(completed.error().message()).contains("output.ratio: NaN is not a JSON number");
        assertThat(workflows.getExecution(execution.workflowExecId()).status()).isEqualTo(Status.FAILED);
    }

    @Test
    void aThrowingTransformerFailsTheWorkflowWithTheDefaultOutputAndACodedError() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "only")
                .status(Status.SUCCESS)
                .output(Map.of("x", 1))
                .build());

        WorkflowExecution completed = workflows.completeWorkflow(execution.workflowExecId(), e -> {
            throw new IllegalStateException("template broke");
        });

        assertThat(completed.status()).isEqualTo(Status.FAILED);
        assertThat(completed.output()).containsOnlyKeys("only");
        ExecutionError error = completed.error();
        assertThat(error.code()).isEqualTo(WorkflowRepository.OUTPUT_TRANSFORMATION_FAILED);
        assertThat(error.message()).contains("template broke");
        assertThat(scalar("SELECT error->>'code' FROM workflow_states")).isEqualTo("OUTPUT_TRANSFORMATION_FAILED");
    }

    @Test
    void aMissingExecutionIsNotFound() {
        assertThatThrownBy(() -> workflows.completeWorkflow("ghost"))
                .isInstanceOfSatisfying(
                        WorkflowNotFoundException.class, e -> assertThat(e.id()).isEqualTo("ghost"));
    }

    @Test
    void completionLocksTheWorkflowRowForNoKeyUpdate() {
        WorkflowExecution execution = execution(workflows);
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.workflowRepository().completeWorkflow(execution.workflowExecId());
        }

        assertThat(recorder.matching("from workflow_states"))
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).contains(" for no key update"));
    }

    @Test
    void twoThreadsCompletingAtOnceDoTheWorkOnceAndReturnTheSameState() throws Exception {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "t").status(Status.SUCCESS).build());
        AtomicInteger transformations = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(2);
        OutputTransformer counting = e -> Map.of("completion", transformations.incrementAndGet());

        CompletableFuture<WorkflowExecution> first =
                CompletableFuture.supplyAsync(() -> complete(start, execution, counting));
        CompletableFuture<WorkflowExecution> second =
                CompletableFuture.supplyAsync(() -> complete(start, execution, counting));

        WorkflowExecution a = first.get(30, TimeUnit.SECONDS);
        WorkflowExecution b = second.get(30, TimeUnit.SECONDS);
        assertThat(transformations).hasValue(1);
        assertThat(a).isEqualTo(b);
        assertThat(a.output()).isEqualTo(Map.of("completion", 1));
    }

    private WorkflowExecution complete(
            CyclicBarrier start, WorkflowExecution execution, OutputTransformer transformer) {
        try {
            start.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return workflows.completeWorkflow(execution.workflowExecId(), transformer);
    }
}
