package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's examples (the seed's, in Java), statement for statement. */
class ReadmeExamplesTest extends IntegrationTest {

    @Test
    void basicTaskOperations() {
        String workflowExecId = execution(workflows, "etl-pipeline").workflowExecId();

        String taskExecId = Id.newId();
        TaskState taskState = TaskState.builder()
                .taskExecId(taskExecId)
                .taskId("data-processor")
                .workflowExecId(workflowExecId)
                .workflowId("etl-pipeline")
                .status(Status.RUNNING)
                .executionType(ExecutionType.BASIC)
                .input(Map.of("source", "database"))
                .build();
        tasks.upsertState(taskState);

        tasks.upsertState(taskState.toBuilder()
                .status(Status.SUCCESS)
                .output(Map.of("processed_rows", 1000, "duration_ms", 2500))
                .build());

        List<TaskState> completedTasks = tasks.listTasksByStatus(workflowExecId, Status.SUCCESS);
        System.out.printf("Completed tasks: %d%n", completedTasks.size());

        assertThat(completedTasks).singleElement().satisfies(t -> {
            assertThat(t.taskExecId()).isEqualTo(taskExecId);
            assertThat(t.output()).isEqualTo(Map.of("processed_rows", 1000, "duration_ms", 2500));
        });
    }

    @Test
    void workflowManagement() {
        String execId = Id.newId();
        workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(execId)
                .workflowId("data-pipeline")
                .status(Status.RUNNING)
                .input(Map.of("environment", "production"))
                .build());

        WorkflowExecution execution = workflows.getExecution(execId);

        workflows.upsertExecution(execution.toBuilder()
                .status(Status.SUCCESS)
                .output(Map.of("total_processed", 5000))
                .build());

        WorkflowExecution read = workflows.getExecution(execId);
        assertThat(read.status()).isEqualTo(Status.SUCCESS);
        assertThat(read.input()).isEqualTo(Map.of("environment", "production"));
        assertThat(read.output()).isEqualTo(Map.of("total_processed", 5000));
    }

    @Test
    void transactions() {
        String taskExecId = tasks.upsertState(task(execution(workflows), "step")
                        .status(Status.RUNNING)
                        .build())
                .taskExecId();

        tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, taskExecId);
            tasks.upsertState(
                    tx,
                    locked.toBuilder()
                            .status(Status.SUCCESS)
                            .output(Map.of("result", "success"))
                            .build());
        });
        String id = tasks.fromTx(tx -> tasks.getStateForUpdate(tx, taskExecId).taskId());

        assertThat(id).isEqualTo("step");
        TaskState read = tasks.getState(taskExecId);
        assertThat(read.status()).isEqualTo(Status.SUCCESS);
        assertThat(read.output()).isEqualTo(Map.of("result", "success"));
    }

    @Test
    void childrenAndProgress() {
        WorkflowExecution workflow = execution(workflows, "parent-workflow");
        String workflowExecId = workflow.workflowExecId();
        String parentTaskId = tasks.upsertState(task(workflow, "parent")
                        .executionType(ExecutionType.PARALLEL)
                        .build())
                .taskExecId();

        List<TaskState> childStates = List.of(
                TaskState.builder()
                        .taskExecId(Id.newId())
                        .taskId("child-1")
                        .workflowExecId(workflowExecId)
                        .workflowId("parent-workflow")
                        .status(Status.PENDING)
                        .parentStateId(parentTaskId)
                        .build(),
                TaskState.builder()
                        .taskExecId(Id.newId())
                        .taskId("child-2")
                        .workflowExecId(workflowExecId)
                        .workflowId("parent-workflow")
                        .status(Status.PENDING)
                        .parentStateId(parentTaskId)
                        .build());
        tasks.createChildStatesInTransaction(parentTaskId, childStates);

        ProgressInfo progress = tasks.getProgressInfo(parentTaskId);
        System.out.printf("Total children: %d, Pending: %d%n", progress.totalChildren(), progress.pendingCount());
        Status parentStatus = progress.overallStatus(CompletionStrategy.FAIL_FAST);

        assertThat(progress.totalChildren()).isEqualTo(2);
        assertThat(progress.pendingCount()).isEqualTo(2);
        assertThat(parentStatus).isEqualTo(Status.PENDING);
    }

    @Test
    void completingAWorkflow() {
        WorkflowExecution workflow = execution(workflows);
        String execId = workflow.workflowExecId();
        tasks.upsertState(task(workflow, "data-processor")
                .status(Status.SUCCESS)
                .output(Map.of("processed_rows", 1000))
                .build());

        WorkflowExecution done = workflows.completeWorkflow(execId);
        workflows.updateStatus(execId, Status.RUNNING);
        WorkflowExecution custom = workflows.completeWorkflow(
                execId,
                e -> Map.of("rows", e.tasks().get("data-processor").output().get("processed_rows")));

        assertThat(done.status()).isEqualTo(Status.SUCCESS);
        assertThat(done.output()).containsOnlyKeys("data-processor");
        assertThat(custom.output()).isEqualTo(Map.of("rows", 1000));
    }
}
