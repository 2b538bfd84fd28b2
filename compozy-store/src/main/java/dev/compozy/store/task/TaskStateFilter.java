package dev.compozy.store.task;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Require;
import dev.compozy.store.core.Status;

/**
 * Equality filters for {@link TaskRepository#listStates}, combined with AND; a null field does not filter.
 * Results come ordered by {@code (created_at, task_exec_id)}; {@code limit} and {@code after} page
 * through them by key, so page N costs the same as page 1.
 */
public record TaskStateFilter(
        Status status,
        String workflowId,
        String workflowExecId,
        String taskId,
        String taskExecId,
        String parentStateId,
        String agentId,
        String actionId,
        String toolId,
        ExecutionType executionType,
        Integer limit,
        TaskCursor after) {

    public TaskStateFilter {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("limit: must be at least 1, got " + limit);
        }
        Require.storable(workflowId, "workflowId");
        Require.storable(workflowExecId, "workflowExecId");
        Require.storable(taskId, "taskId");
        Require.storable(taskExecId, "taskExecId");
        Require.storable(parentStateId, "parentStateId");
        Require.storable(agentId, "agentId");
        Require.storable(actionId, "actionId");
        Require.storable(toolId, "toolId");
    }

    /** No filter: every task state. */
    public static TaskStateFilter all() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .status(status)
                .workflowId(workflowId)
                .workflowExecId(workflowExecId)
                .taskId(taskId)
                .taskExecId(taskExecId)
                .parentStateId(parentStateId)
                .agentId(agentId)
                .actionId(actionId)
                .toolId(toolId)
                .executionType(executionType)
                .limit(limit)
                .after(after);
    }

    /** The same filter, for the page after {@code last} (the last state of the previous page). */
    public TaskStateFilter nextPage(TaskState last) {
        return toBuilder().after(TaskCursor.after(last)).build();
    }

    public static final class Builder {
        private Status status;
        private String workflowId;
        private String workflowExecId;
        private String taskId;
        private String taskExecId;
        private String parentStateId;
        private String agentId;
        private String actionId;
        private String toolId;
        private ExecutionType executionType;
        private Integer limit;
        private TaskCursor after;

        private Builder() {}

        public Builder status(Status status) {
            this.status = status;
            return this;
        }

        public Builder workflowId(String workflowId) {
            this.workflowId = workflowId;
            return this;
        }

        public Builder workflowExecId(String workflowExecId) {
            this.workflowExecId = workflowExecId;
            return this;
        }

        public Builder taskId(String taskId) {
            this.taskId = taskId;
            return this;
        }

        public Builder taskExecId(String taskExecId) {
            this.taskExecId = taskExecId;
            return this;
        }

        public Builder parentStateId(String parentStateId) {
            this.parentStateId = parentStateId;
            return this;
        }

        public Builder agentId(String agentId) {
            this.agentId = agentId;
            return this;
        }

        public Builder actionId(String actionId) {
            this.actionId = actionId;
            return this;
        }

        public Builder toolId(String toolId) {
            this.toolId = toolId;
            return this;
        }

        public Builder executionType(ExecutionType executionType) {
            this.executionType = executionType;
            return this;
        }

        /** At most this many rows; null for all. */
        public Builder limit(Integer limit) {
            this.limit = limit;
            return this;
        }

        /** Start after this position; null for the first page. */
        public Builder after(TaskCursor after) {
            this.after = after;
            return this;
        }

        public TaskStateFilter build() {
            return new TaskStateFilter(
                    status,
                    workflowId,
                    workflowExecId,
                    taskId,
                    taskExecId,
                    parentStateId,
                    agentId,
                    actionId,
                    toolId,
                    executionType,
                    limit,
                    after);
        }
    }
}
