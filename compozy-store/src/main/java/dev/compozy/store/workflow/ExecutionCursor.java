package dev.compozy.store.workflow;

import dev.compozy.store.core.Require;
import java.time.Instant;
import java.util.Objects;

/** Position after which the next page of {@link WorkflowRepository#listExecutions} starts. */
public record ExecutionCursor(Instant updatedAt, String workflowExecId) {
    public ExecutionCursor {
        Objects.requireNonNull(updatedAt, "updatedAt");
        Require.storable(Objects.requireNonNull(workflowExecId, "workflowExecId"), "workflowExecId");
    }

    /** The cursor just after {@code last}, an execution read from the store. */
    public static ExecutionCursor after(WorkflowExecution last) {
        if (last == null || last.updatedAt() == null) {
            throw new IllegalArgumentException("after: needs an execution read from the store (with updatedAt)");
        }
        return new ExecutionCursor(last.updatedAt(), last.workflowExecId());
    }
}
