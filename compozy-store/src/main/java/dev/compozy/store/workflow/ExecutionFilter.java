package dev.compozy.store.workflow;

import dev.compozy.store.core.Require;
import dev.compozy.store.core.Status;
import java.time.Instant;

/**
 * Filters for {@link WorkflowRepository#listExecutions}, combined with AND; null fields do not filter.
 * Time bounds are inclusive below ({@code >=}) and exclusive above ({@code <}). Results come by
 * {@code updated_at} descending, then {@code workflow_exec_id} descending; {@code limit} and
 * {@code after} page through them by key.
 */
public record ExecutionFilter(
        Status status,
        String workflowId,
        String workflowExecId,
        Instant createdFrom,
        Instant createdBefore,
        Instant updatedFrom,
        Instant updatedBefore,
        Integer limit,
        ExecutionCursor after) {

    public ExecutionFilter {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("limit: must be at least 1, got " + limit);
        }
        Require.storable(workflowId, "workflowId");
        Require.storable(workflowExecId, "workflowExecId");
    }

    public static ExecutionFilter all() {
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
                .createdFrom(createdFrom)
                .createdBefore(createdBefore)
                .updatedFrom(updatedFrom)
                .updatedBefore(updatedBefore)
                .limit(limit)
                .after(after);
    }

    /** The same filter, for the page after {@code last} (the last execution of the previous page). */
    public ExecutionFilter nextPage(WorkflowExecution last) {
        return toBuilder().after(ExecutionCursor.after(last)).build();
    }

    public static final class Builder {
        private Status status;
        private String workflowId;
        private String workflowExecId;
        private Instant createdFrom;
        private Instant createdBefore;
        private Instant updatedFrom;
        private Instant updatedBefore;
        private Integer limit;
        private ExecutionCursor after;

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

        public Builder createdFrom(Instant createdFrom) {
            this.createdFrom = createdFrom;
            return this;
        }

        public Builder createdBefore(Instant createdBefore) {
            this.createdBefore = createdBefore;
            return this;
        }

        public Builder updatedFrom(Instant updatedFrom) {
            this.updatedFrom = updatedFrom;
            return this;
        }

        public Builder updatedBefore(Instant updatedBefore) {
            this.updatedBefore = updatedBefore;
            return this;
        }

        public Builder limit(Integer limit) {
            this.limit = limit;
            return this;
        }

        public Builder after(ExecutionCursor after) {
            this.after = after;
            return this;
        }

        public ExecutionFilter build() {
            return new ExecutionFilter(
                    status,
                    workflowId,
                    workflowExecId,
                    createdFrom,
                    createdBefore,
                    updatedFrom,
                    updatedBefore,
                    limit,
                    after);
        }
    }
}
