package dev.compozy.store.workflow;

import dev.compozy.store.core.Status;
import dev.compozy.store.core.Tx;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Workflow executions: writes, lookups with their tasks, completion and retention. Names in brackets are
 * the seed's. Validation, not-found and failure reporting are as described on
 * {@link dev.compozy.store.task.TaskRepository}; executions come back with their {@code tasks} map filled.
 */
public interface WorkflowRepository {
    /** Error code stored when a completion's {@link OutputTransformer} throws. */
    String OUTPUT_TRANSFORMATION_FAILED = "OUTPUT_TRANSFORMATION_FAILED";

    /**
     * Error code stored when a completion's output cannot be stored (past the JSON limits of
     * {@link dev.compozy.store.Json}, for example nested too deep once the task outputs are gathered).
     */
    String OUTPUT_NOT_STORABLE = "OUTPUT_NOT_STORABLE";

    /**
     * Inserts the execution, or overwrites every column but the id and {@code created_at}, in one atomic
     * statement; {@code updated_at} becomes {@code now()}; the tasks map is not written [UpsertExecution].
     *
     * @return the execution as stored, with its timestamps and without tasks
     */
    WorkflowExecution upsertExecution(WorkflowExecution execution);

    /** {@link #upsertExecution(WorkflowExecution)} inside the caller's transaction. */
    WorkflowExecution upsertExecution(Tx tx, WorkflowExecution execution);

    /** The execution and its tasks, read from one snapshot [GetExecution]. @throws WorkflowNotFoundException */
    WorkflowExecution getExecution(String workflowExecId);

    /**
     * Executions matching the filter, newest update first, each with its tasks; all tasks of the page come
     * from one query [ListExecutions].
     */
    List<WorkflowExecution> listExecutions(ExecutionFilter filter);

    /** Sets the status (and {@code updated_at}). @throws WorkflowNotFoundException when no row changed */
    void updateStatus(String workflowExecId, Status status);

    /** The newest execution of a workflow (by {@code created_at}, then id). @throws WorkflowNotFoundException */
    WorkflowExecution getExecutionByWorkflowId(String workflowId);

    /** The newest execution of a workflow that has a task with this task_id. @throws WorkflowNotFoundException */
    WorkflowExecution getExecutionByTaskId(String workflowId, String taskId);

    /** The newest execution of a workflow that has a task run by this agent. @throws WorkflowNotFoundException */
    WorkflowExecution getExecutionByAgentId(String workflowId, String agentId);

    /** The newest execution of a workflow that has a task run by this tool. @throws WorkflowNotFoundException */
    WorkflowExecution getExecutionByToolId(String workflowId, String toolId);

    /** {@link #completeWorkflow(String, OutputTransformer)} with the default output. */
    WorkflowExecution completeWorkflow(String workflowExecId);

    /**
     * Completes an execution in one transaction holding its row lock: unchanged if already SUCCESS or
     * FAILED; {@link WorkflowNotReadyException} (nothing changed) while a top-level task is PENDING or
     * RUNNING; otherwise FAILED if a top-level task FAILED, else SUCCESS, with the transformer's output
     * (or the default output map, sorted by task_id) and the error cleared. Readiness is decided on the
     * top-level rows themselves (the newest per task_id), so a child that shares a top-level task's
     * task_id cannot hide it. A throwing transformer, or one whose output cannot be stored, gives FAILED,
     * the default output and error {@value #OUTPUT_TRANSFORMATION_FAILED}; a default output that cannot be
     * stored gives FAILED, no output and error {@value #OUTPUT_NOT_STORABLE}.
     *
     * @param transformer computes the output; null for the default output
     * @return the execution as stored, with its tasks
     */
    WorkflowExecution completeWorkflow(String workflowExecId, OutputTransformer transformer);

    /** Deletes the execution and, by cascade, all its tasks. @throws WorkflowNotFoundException */
    void deleteExecution(String workflowExecId);

    /**
     * Deletes executions in one of the given terminal statuses last updated before {@code olderThan}, with
     * their tasks, {@code batchSize} at a time in id order, each batch its own short transaction; rows
     * locked by a concurrent writer are skipped, not waited for.
     *
     * @param statuses terminal statuses only (SUCCESS, FAILED, TIMED_OUT, CANCELED)
     * @return how many executions were deleted
     */
    int purgeExecutions(Instant olderThan, Set<Status> statuses, int batchSize);
}
