package dev.compozy.store.workflow;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.FrozenMap;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import java.time.Instant;
import java.util.Map;

/**
 * One execution of a workflow (a row of {@code workflow_states}), immutable.
 *
 * @param tasks the execution's tasks keyed by {@code task_id} (newest row per task_id), filled when read
 *     through the repository; never null, and ignored on write
 */
public record WorkflowExecution(
        String workflowExecId,
        String workflowId,
        Status status,
        Map<String, Object> input,
        Map<String, Object> output,
        ExecutionError error,
        Instant createdAt,
        Instant updatedAt,
        Map<String, TaskState> tasks) {

    public WorkflowExecution {
        input = copy(input);
        output = copy(output);
        tasks = tasks == null ? Map.of() : FrozenMap.copyOf(tasks);
    }

    private static Map<String, Object> copy(Map<String, Object> map) {
        return FrozenMap.copyOf(map);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .workflowExecId(workflowExecId)
                .workflowId(workflowId)
                .status(status)
                .input(input)
                .output(output)
                .error(error)
                .createdAt(createdAt)
                .updatedAt(updatedAt)
                .tasks(tasks);
    }

    /** This execution with another tasks map. */
    public WorkflowExecution withTasks(Map<String, TaskState> tasks) {
        return toBuilder().tasks(tasks).build();
    }

    public static final class Builder {
        private String workflowExecId;
        private String workflowId;
        private Status status;
        private Map<String, Object> input;
        private Map<String, Object> output;
        private ExecutionError error;
        private Instant createdAt;
        private Instant updatedAt;
        private Map<String, TaskState> tasks;

        private Builder() {}

        public Builder workflowExecId(String workflowExecId) {
            this.workflowExecId = workflowExecId;
            return this;
        }

        public Builder workflowId(String workflowId) {
            this.workflowId = workflowId;
            return this;
        }

        public Builder status(Status status) {
            this.status = status;
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

        public Builder tasks(Map<String, TaskState> tasks) {
            this.tasks = tasks;
            return this;
        }

        public WorkflowExecution build() {
            return new WorkflowExecution(
                    workflowExecId, workflowId, status, input, output, error, createdAt, updatedAt, tasks);
        }
    }
}
