package dev.compozy.store.task;

import dev.compozy.store.core.Component;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.FrozenMap;
import dev.compozy.store.core.Status;
import java.time.Instant;
import java.util.Map;

/**
 * The state of one task execution (a row of {@code task_states}), immutable. Build one with
 * {@link #builder()}; change one with {@link #toBuilder()}.
 *
 * <p>{@code input}, {@code output} and {@code error} are {@code null} when absent (SQL NULL); an empty map
 * is stored as {@code {}}. {@code createdAt} and {@code updatedAt} are set by the database and ignored on
 * write.
 */
public record TaskState(
        String taskExecId,
        String taskId,
        String workflowExecId,
        String workflowId,
        Component component,
        Status status,
        ExecutionType executionType,
        String agentId,
        String actionId,
        String toolId,
        String parentStateId,
        Map<String, Object> input,
        Map<String, Object> output,
        ExecutionError error,
        Instant createdAt,
        Instant updatedAt) {

    public TaskState {
        input = copy(input);
        output = copy(output);
    }

    static Map<String, Object> copy(Map<String, Object> map) {
        return FrozenMap.copyOf(map);
    }

    /** Whether this task has a parent task. */
    public boolean isChild() {
        return parentStateId != null;
    }

    /** A builder with component {@code TASK} and execution type {@code BASIC} preset. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static final class Builder {
        private String taskExecId;
        private String taskId;
        private String workflowExecId;
        private String workflowId;
        private Component component = Component.TASK;
        private Status status;
        private ExecutionType executionType = ExecutionType.BASIC;
        private String agentId;
        private String actionId;
        private String toolId;
        private String parentStateId;
        private Map<String, Object> input;
        private Map<String, Object> output;
        private ExecutionError error;
        private Instant createdAt;
        private Instant updatedAt;

        private Builder() {}

        private Builder(TaskState s) {
            taskExecId = s.taskExecId;
            taskId = s.taskId;
            workflowExecId = s.workflowExecId;
            workflowId = s.workflowId;
            component = s.component;
            status = s.status;
            executionType = s.executionType;
            agentId = s.agentId;
            actionId = s.actionId;
            toolId = s.toolId;
            parentStateId = s.parentStateId;
            input = s.input;
            output = s.output;
            error = s.error;
            createdAt = s.createdAt;
            updatedAt = s.updatedAt;
        }

        public Builder taskExecId(String taskExecId) {
            this.taskExecId = taskExecId;
            return this;
        }

        public Builder taskId(String taskId) {
            this.taskId = taskId;
            return this;
        }

        public Builder workflowExecId(String workflowExecId) {
            this.workflowExecId = workflowExecId;
            return this;
        }

        public Builder workflowId(String workflowId) {
            this.workflowId = workflowId;
            return this;
        }

        public Builder component(Component component) {
            this.component = component;
            return this;
        }

        public Builder status(Status status) {
            this.status = status;
            return this;
        }

        public Builder executionType(ExecutionType executionType) {
            this.executionType = executionType;
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

        public Builder parentStateId(String parentStateId) {
            this.parentStateId = parentStateId;
            return this;
        }

        public Builder input(Map<String, Object> input) {
            this.input = input;
            return this;
        }

        public Builder output(Map<String, Object> output) {
            this.output = output;
            return this;
        }

        public Builder error(ExecutionError error) {
            this.error = error;
            return this;
        }

        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder updatedAt(Instant updatedAt) {
            this.updatedAt = updatedAt;
            return this;
        }

        public TaskState build() {
            return new TaskState(
                    taskExecId,
                    taskId,
                    workflowExecId,
                    workflowId,
                    component,
                    status,
                    executionType,
                    agentId,
                    actionId,
                    toolId,
                    parentStateId,
                    input,
                    output,
                    error,
                    createdAt,
                    updatedAt);
        }
    }
}
