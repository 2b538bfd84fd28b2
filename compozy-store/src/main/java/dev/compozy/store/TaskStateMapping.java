package dev.compozy.store;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Require;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskState;
import java.util.Arrays;
import java.util.Map;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Conversions between {@link TaskState} and the {@code task_states} row: the write-side checks, the
 * parameter order of the upsert, and the read-side rules of the spec, shared by the entity path
 * ({@code em.find}) and the native-query path so both read a row the same way.
 */
final class TaskStateMapping {
    /** The columns every native task query selects first, in the order {@link TaskRows.RowReader} reads them. */
    static final String COLUMNS = TaskRows.COLUMNS;

    /** What an upsert overwrites: every column but the key and created_at (see UPSERT_TASK_STATE). */
    static final String EVERY_COLUMN_FROM_THE_INSERT = """
            task_id = EXCLUDED.task_id,
            workflow_exec_id = EXCLUDED.workflow_exec_id,
            workflow_id = EXCLUDED.workflow_id,
            component = EXCLUDED.component,
            status = EXCLUDED.status,
            execution_type = EXCLUDED.execution_type,
            agent_id = EXCLUDED.agent_id,
            action_id = EXCLUDED.action_id,
            tool_id = EXCLUDED.tool_id,
            parent_state_id = EXCLUDED.parent_state_id,
            input = EXCLUDED.input,
            output = EXCLUDED.output,
            error = EXCLUDED.error,
            updated_at = EXCLUDED.updated_at""";

    /**
     * {@code updated_at} comes from the inserted row rather than a {@code now()} in the update: Citus
     * refuses a function call in {@code DO UPDATE SET} on a distributed table (SQLState 0A000), and the
     * row's {@code now()} is the same transaction timestamp. {@code created_at} is left to its default on
     * insert and untouched on update.
     */
    static final String UPSERT_TASK_STATE = """
            INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status,
                                     execution_type, agent_id, action_id, tool_id, parent_state_id,
                                     input, output, error, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, now())
            ON CONFLICT (task_exec_id) DO UPDATE SET
            """ + EVERY_COLUMN_FROM_THE_INSERT;

    /** How many parameters {@link #upsertArgs} gives before the extra ones. */
    static final int UPSERT_PARAMETERS = 14;

    private TaskStateMapping() {}

    /**
     * Checks a state before it is written, mirroring {@code chk_execution_type_consistency} so a bad state
     * fails with the field's name instead of a constraint violation.
     */
    static TaskState validateForWrite(TaskState state) {
        Require.nonNull(state, "state");
        Require.nonBlank(state.taskExecId(), "taskExecId");
        Require.nonBlank(state.taskId(), "taskId");
        Require.nonBlank(state.workflowExecId(), "workflowExecId");
        Require.nonBlank(state.workflowId(), "workflowId");
        Require.nonNull(state.status(), "status");
        Require.nonNull(state.component(), "component");
        Require.nonNull(state.executionType(), "executionType");
        Require.nullOrNonBlank(state.agentId(), "agentId");
        Require.nullOrNonBlank(state.actionId(), "actionId");
        Require.nullOrNonBlank(state.toolId(), "toolId");
        Require.nullOrNonBlank(state.parentStateId(), "parentStateId");
        String task = " (task " + state.taskExecId() + ")";
        if (state.taskExecId().equals(state.parentStateId())) {
            throw new IllegalArgumentException("parentStateId: a task cannot be its own parent" + task);
        }
        boolean agent = state.agentId() != null;
        boolean action = state.actionId() != null;
        boolean tool = state.toolId() != null;
        if (agent && !action) {
            throw new IllegalArgumentException("actionId: required when agentId is set" + task);
        }
        if (action && !agent) {
            throw new IllegalArgumentException("agentId: required when actionId is set" + task);
        }
        if (state.executionType() == ExecutionType.BASIC && agent && tool) {
            throw new IllegalArgumentException("toolId: a basic task runs an agent or a tool, not both" + task);
        }
        if (state.executionType() == ExecutionType.ROUTER && (agent || tool)) {
            throw new IllegalArgumentException(
                    (agent ? "agentId" : "toolId") + ": a router task runs neither an agent nor a tool" + task);
        }
        JsonWriter.check(state.input(), "input");
        JsonWriter.check(state.output(), "output");
        JsonWriter.check(errorObject(state.error()), "error");
        return state;
    }

    private static Map<String, Object> errorObject(ExecutionError error) {
        return error == null ? null : error.toMap();
    }

    /** The 14 parameters of the upsert statements, in their order, followed by {@code more}. */
    static Object[] upsertArgs(TaskState state, Object... more) {
        Object[] args = {
            state.taskExecId(),
            state.taskId(),
            state.workflowExecId(),
            state.workflowId(),
            state.component().dbValue(),
            state.status().dbValue(),
            state.executionType().dbValue(),
            state.agentId(),
            state.actionId(),
            state.toolId(),
            state.parentStateId(),
            JsonWriter.write(state.input(), "input"),
            JsonWriter.write(state.output(), "output"),
            JsonWriter.write(errorObject(state.error()), "error")
        };
        if (more.length == 0) {
            return args;
        }
        Object[] all = Arrays.copyOf(args, UPSERT_PARAMETERS + more.length);
        System.arraycopy(more, 0, all, UPSERT_PARAMETERS, more.length);
        return all;
    }

    /** {@code state} with the timestamps of a row that {@code RETURNING created_at, updated_at} gave. */
    static Jdbc.RowMapper<TaskState> withTimestamps(TaskState state) {
        return row -> state.toBuilder()
                .createdAt(InstantColumn.read(row, 1))
                .updatedAt(InstantColumn.read(row, 2))
                .build();
    }

    /**
     * Maps the rows of one query whose first columns are {@link #COLUMNS}; one mapper per query, since it
     * shares strings between the rows it reads.
     */
    static Jdbc.RowMapper<TaskState> rows(String operation) {
        TaskRows.RowReader reader = new TaskRows.RowReader(operation);
        return row -> {
            reader.readKey(row);
            return reader.readState(row);
        };
    }

    /** The entity read by the lock path, through the same JSON reader and rules as {@link RowReader}. */
    static TaskState fromEntity(TaskStateEntity entity, String operation) {
        JsonObjectParser json = new JsonObjectParser();
        try {
            return TaskRows.assemble(
                    entity.getTaskExecId(),
                    entity.getTaskId(),
                    entity.getWorkflowExecId(),
                    entity.getWorkflowId(),
                    entity.getComponent(),
                    entity.getStatus(),
                    entity.getExecutionType(),
                    entity.getAgentId(),
                    entity.getActionId(),
                    entity.getToolId(),
                    entity.getParentStateId(),
                    json.read(entity.getInput(), "input"),
                    json.read(entity.getOutput(), "output"),
                    ExecutionError.fromMap(json.read(entity.getError(), "error")),
                    entity.getCreatedAt(),
                    entity.getUpdatedAt());
        } catch (IllegalArgumentException e) {
            throw TaskRows.unreadable(operation, entity.getTaskExecId(), e);
        }
    }

    /**
     * Names the missing row behind a foreign-key violation of an upsert of {@code state}; any other failure
     * comes back unchanged. The driver's exception, and so the SQLState, stays in the cause.
     */
    static StoreException explainForeignKey(StoreException failure, TaskState state) {
        for (Throwable t = failure.getCause(); t != null; t = t.getCause()) {
            if (t instanceof PSQLException e && "23503".equals(e.getSQLState())) {
                ServerErrorMessage detail = e.getServerErrorMessage();
                String missing = detail == null || detail.getConstraint() == null
                        ? null
                        : switch (detail.getConstraint()) {
                            case "fk_workflow" -> "workflow execution '" + state.workflowExecId() + "' does not exist";
                            case "fk_parent_task" -> "parent task '" + state.parentStateId() + "' does not exist";
                            default -> null;
                        };
                return missing == null
                        ? failure
                        : new StoreException(failure.operation(), missing + " [SQLState 23503]", failure.getCause());
            }
        }
        return failure;
    }
}
