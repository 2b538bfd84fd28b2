package dev.compozy.store.task;

import dev.compozy.store.StoreException;
import dev.compozy.store.core.Component;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Json;
import dev.compozy.store.core.Status;
import dev.compozy.store.internal.Jdbc;
import dev.compozy.store.internal.Require;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;

/**
 * Conversions between {@link TaskState} and the {@code task_states} row: the write-side checks, the
 * parameter order of the upsert, and the read-side rules of the spec, shared by the entity path
 * ({@code em.find}) and the native-query path so both read a row the same way.
 */
final class TaskStateMapping {
    /** The columns every native task query selects first, in the order {@link #fromRow} reads them. */
    static final String COLUMNS = "task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, "
            + "execution_type, agent_id, action_id, tool_id, parent_state_id, input, output, error, created_at, "
            + "updated_at";

    private TaskStateMapping() {
    }

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
            throw new IllegalArgumentException((agent ? "agentId" : "toolId")
                    + ": a router task runs neither an agent nor a tool" + task);
        }
        return state;
    }

    /** Binds the 14 parameters of the upsert statements. */
    static void bindUpsert(PreparedStatement statement, TaskState state) throws SQLException {
        Jdbc.bind(statement,
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
                Json.toJsonb(state.input()),
                Json.toJsonb(state.output()),
                Json.toJsonb(state.error()));
    }

    /** Reads a row whose first columns are {@link #COLUMNS}. */
    static TaskState fromRow(ResultSet row, String operation) throws SQLException {
        return RawRow.read(row).toState(operation);
    }

    static TaskState fromEntity(TaskStateEntity entity, String operation) {
        try {
            return assemble(entity.getTaskExecId(), entity.getTaskId(), entity.getWorkflowExecId(),
                    entity.getWorkflowId(), entity.getComponent(), entity.getStatus(), entity.getExecutionType(),
                    entity.getAgentId(), entity.getActionId(), entity.getToolId(), entity.getParentStateId(),
                    entity.getInput(), entity.getOutput(), entity.getError(), entity.getCreatedAt(),
                    entity.getUpdatedAt());
        } catch (IllegalArgumentException e) {
            throw unreadable(operation, entity.getTaskExecId(), e);
        }
    }

    private static StoreException unreadable(String operation, String taskExecId, IllegalArgumentException e) {
        return new StoreException(operation, "task_states row '" + taskExecId + "' cannot be read: " + e.getMessage(), e);
    }

    /** The read rules: exact status names, and an agent or tool id decides the component. */
    private static TaskState assemble(String taskExecId, String taskId, String workflowExecId, String workflowId,
            String component, String status, String executionType, String agentId, String actionId,
            String toolId, String parentStateId, Map<String, Object> input, Map<String, Object> output,
            ExecutionError error, Instant createdAt, Instant updatedAt) {
        Component resolved;
        if (agentId != null) {
            if (actionId == null) {
                throw new IllegalArgumentException("agent_id '" + agentId + "' is set but action_id is missing");
            }
            resolved = Component.AGENT;
        } else if (toolId != null) {
            resolved = Component.TOOL;
        } else {
            resolved = Component.fromDb(component);
        }
        return new TaskState(taskExecId, taskId, workflowExecId, workflowId, resolved, Status.fromDb(status),
                ExecutionType.fromDb(executionType), agentId, actionId, toolId, parentStateId, input, output, error,
                createdAt, updatedAt);
    }

    /**
     * A task row as the driver returned it, by position (looking columns up by name cost a lower-casing and
     * a map lookup per column per row) and with its JSON not yet parsed, so newest-wins can drop an older
     * row of a repeated {@code task_id} before reading it.
     */
    static final class RawRow {
        private final String[] text;
        private final Instant createdAt;
        private final Instant updatedAt;

        private RawRow(String[] text, Instant createdAt, Instant updatedAt) {
            this.text = text;
            this.createdAt = createdAt;
            this.updatedAt = updatedAt;
        }

        static RawRow read(ResultSet row) throws SQLException {
            String[] text = new String[14];
            for (int i = 0; i < text.length; i++) {
                text[i] = row.getString(i + 1);
            }
            return new RawRow(text, Jdbc.instant(row, 15), Jdbc.instant(row, 16));
        }

        String taskId() {
            return text[1];
        }

        String workflowExecId() {
            return text[2];
        }

        /**
         * Whether this row is newer than a state of the same {@code task_id}: a later {@code created_at},
         * then a greater {@code task_exec_id} in code point order (PostgreSQL's "C" collation), which for
         * KSUIDs is also the order they were made in, whatever the database's collation.
         */
        boolean isNewerThan(TaskState kept) {
            int byTime = createdAt.compareTo(kept.createdAt());
            return byTime != 0 ? byTime > 0 : compareCodePoints(text[0], kept.taskExecId()) > 0;
        }

        private static int compareCodePoints(String a, String b) {
            int i = 0;
            int j = 0;
            while (i < a.length() && j < b.length()) {
                int x = a.codePointAt(i);
                int y = b.codePointAt(j);
                if (x != y) {
                    return Integer.compare(x, y);
                }
                i += Character.charCount(x);
                j += Character.charCount(y);
            }
            return Integer.compare(a.length() - i, b.length() - j);
        }

        TaskState toState(String operation) {
            try {
                return assemble(text[0], text[1], text[2], text[3], text[4], text[5], text[6], text[7], text[8],
                        text[9], text[10], Json.objectFromJsonb(text[11]), Json.objectFromJsonb(text[12]),
                        Json.fromJsonb(text[13], ExecutionError.class), createdAt, updatedAt);
            } catch (IllegalArgumentException e) {
                throw unreadable(operation, text[0], e);
            }
        }
    }
}
