package dev.compozy.store;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Require;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.OutputTransformer;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowNotFoundException;
import dev.compozy.store.workflow.WorkflowNotReadyException;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code completeWorkflow}: under the execution's row lock (the entity loaded {@code PESSIMISTIC_WRITE}),
 * the tasks read in the same transaction, readiness decided on the newest top-level row per task_id, and
 * the outcome and output stored.
 */
final class WorkflowCompletion {
    private static final String UPDATE_COMPLETION = """
            UPDATE workflow_states SET status = ?, output = ?::jsonb, error = ?::jsonb, updated_at = now()
            WHERE workflow_exec_id = ?
            RETURNING created_at, updated_at""";

    /** The newest top-level row per task_id: what completion's readiness is decided on. */
    static final String SELECT_TOP_LEVEL_STATUSES = """
            SELECT DISTINCT ON (task_id) task_id, status
            FROM task_states
            WHERE workflow_exec_id = ? AND parent_state_id IS NULL
            ORDER BY task_id, created_at DESC, task_exec_id COLLATE "C" DESC""";

    private static final Set<Status> FINISHED = EnumSet.of(Status.SUCCESS, Status.FAILED);

    private final Statements sql;

    WorkflowCompletion(Statements sql) {
        this.sql = sql;
    }

    WorkflowExecution completeWorkflow(String workflowExecId, OutputTransformer transformer) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        String operation = "completeWorkflow(workflow_exec_id=" + workflowExecId + ")";
        Completion completion = sql.inTransaction(operation, tx -> {
            WorkflowExecution locked =
                    sql.lock(operation, () -> findForUpdate(tx.entityManager(), workflowExecId, operation));
            if (locked == null) {
                return Completion.NOT_FOUND;
            }
            WorkflowExecution current =
                    locked.withTasks(TaskRows.tasksByExecution(tx, operation, List.of(workflowExecId))
                            .get(workflowExecId));
            if (FINISHED.contains(current.status())) {
                return new Completion(current, List.of());
            }
            List<String> unfinished = new ArrayList<>();
            boolean anyFailed = false;
            for (String[] task : Statements.query(
                    tx,
                    SELECT_TOP_LEVEL_STATUSES,
                    row -> new String[] {row.getString(1), row.getString(2)},
                    workflowExecId)) {
                Status status = readStatus(operation, task[0], task[1]);
                anyFailed |= status == Status.FAILED;
                if (status == Status.PENDING || status == Status.RUNNING) {
                    unfinished.add(task[0]);
                }
            }
            if (!unfinished.isEmpty()) {
                return new Completion(null, unfinished);
            }
            return new Completion(
                    finish(tx, current, anyFailed ? Status.FAILED : Status.SUCCESS, transformer), List.of());
        });
        if (completion == Completion.NOT_FOUND) {
            throw WorkflowNotFoundException.execution("completeWorkflow", workflowExecId);
        }
        if (!completion.unfinished.isEmpty()) {
            throw new WorkflowNotReadyException(workflowExecId, completion.unfinished);
        }
        return completion.execution;
    }

    /** Outcome of the completion transaction; exceptions are raised after it, so it ends cleanly. */
    private record Completion(WorkflowExecution execution, List<String> unfinished) {
        static final Completion NOT_FOUND = new Completion(null, List.of());
    }

    private static Status readStatus(String operation, String taskId, String status) {
        try {
            return Status.fromDb(status);
        } catch (IllegalArgumentException e) {
            throw new StoreException(operation, "top-level task '" + taskId + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Stores the outcome. An output that cannot be stored fails the workflow with a stored error instead of
     * leaving it RUNNING, since the same tasks would give the same output on every later attempt.
     */
    private static WorkflowExecution finish(
            Tx tx, WorkflowExecution current, Status status, OutputTransformer transformer) {
        Map<String, Object> output = null;
        String outputJson = null;
        ExecutionError error = null;
        if (transformer != null) {
            try {
                output = transformer.transform(current);
                outputJson = JsonWriter.write(output, "output");
            } catch (Exception e) {
                status = Status.FAILED;
                error = ExecutionError.of(
                        WorkflowRepository.OUTPUT_TRANSFORMATION_FAILED,
                        "output transformation failed: " + e.getClass().getSimpleName() + ": "
                                + storable(e.getMessage()));
            }
        }
        if (transformer == null || error != null) {
            output = defaultOutput(current.tasks());
            try {
                outputJson = JsonWriter.write(output, "output");
            } catch (IllegalArgumentException e) {
                status = Status.FAILED;
                output = null;
                error = ExecutionError.of(
                        WorkflowRepository.OUTPUT_NOT_STORABLE,
                        "the default output cannot be stored: " + e.getMessage());
            }
        }
        WorkflowExecution completed =
                current.toBuilder().status(status).output(output).error(error).build();
        String storedOutput = outputJson;
        return Statements.queryFirst(
                tx,
                UPDATE_COMPLETION,
                row -> HibernateWorkflowRepository.withTimestamps(row, completed),
                completed.status().dbValue(),
                storedOutput,
                JsonWriter.write(HibernateWorkflowRepository.errorObject(completed.error()), "error"),
                completed.workflowExecId());
    }

    /** An exception's message as text the error column can hold: cut short, with no unstorable character. */
    private static String storable(String message) {
        if (message == null) {
            return null;
        }
        String cut = message.length() > 4096 ? message.substring(0, 4096) + "…" : message;
        int bad;
        while ((bad = Require.firstUnstorable(cut)) >= 0) {
            cut = cut.substring(0, bad) + '\uFFFD' + cut.substring(bad + 1);
        }
        return cut;
    }

    /**
     * task_id → {output, parent_state_id (children only), execution_type "parallel" (parallel tasks only)},
     * sorted by task_id so the stored document does not depend on row order.
     */
    static Map<String, Object> defaultOutput(Map<String, TaskState> tasksByTaskId) {
        Map<String, Object> output = new TreeMap<>();
        for (TaskState task : tasksByTaskId.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("output", task.output());
            if (task.isChild()) {
                entry.put("parent_state_id", task.parentStateId());
            }
            if (task.executionType() == ExecutionType.PARALLEL) {
                entry.put("execution_type", ExecutionType.PARALLEL.dbValue());
            }
            output.put(task.taskId(), entry);
        }
        return output;
    }

    /** Detaches what it loads, for the reason given on the task repository's {@code lockForUpdate}. */
    private static WorkflowExecution findForUpdate(EntityManager em, String workflowExecId, String operation) {
        WorkflowExecutionEntity entity = EntityLocks.findForUpdate(em, WorkflowExecutionEntity.class, workflowExecId);
        if (entity == null) {
            return null;
        }
        em.detach(entity);
        return HibernateWorkflowRepository.assemble(
                operation,
                entity.getWorkflowExecId(),
                entity.getWorkflowId(),
                entity.getStatus(),
                entity.getInput(),
                entity.getOutput(),
                entity.getError(),
                entity.getCreatedAt(),
                entity.getUpdatedAt());
    }
}
