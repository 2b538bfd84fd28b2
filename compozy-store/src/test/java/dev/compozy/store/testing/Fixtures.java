package dev.compozy.store.testing;

import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.util.Map;

/** Builders for test data with sensible defaults. */
public final class Fixtures {
    private Fixtures() {}

    /** Writes a RUNNING execution of workflow "test-workflow" and returns it. */
    public static WorkflowExecution execution(WorkflowRepository workflows) {
        return execution(workflows, "test-workflow");
    }

    public static WorkflowExecution execution(WorkflowRepository workflows, String workflowId) {
        return workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(Id.newId())
                .workflowId(workflowId)
                .status(Status.RUNNING)
                .input(Map.of("source", "fixture"))
                .build());
    }

    /** A PENDING basic task of the execution, not yet written. */
    public static TaskState.Builder task(WorkflowExecution execution, String taskId) {
        return TaskState.builder()
                .taskExecId(Id.newId())
                .taskId(taskId)
                .workflowExecId(execution.workflowExecId())
                .workflowId(execution.workflowId())
                .status(Status.PENDING);
    }

    /** A PENDING child of {@code parent}, not yet written. */
    public static TaskState.Builder child(TaskState parent, String taskId) {
        return TaskState.builder()
                .taskExecId(Id.newId())
                .taskId(taskId)
                .workflowExecId(parent.workflowExecId())
                .workflowId(parent.workflowId())
                .parentStateId(parent.taskExecId())
                .status(Status.PENDING);
    }
}
