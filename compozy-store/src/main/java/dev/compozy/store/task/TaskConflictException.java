package dev.compozy.store.task;

import dev.compozy.store.core.StoreException;
import java.time.Instant;

/**
 * A compare-and-set write found the task written since the caller read it ({@code updated_at} moved).
 * Nothing was written: read the task again and decide anew.
 */
public class TaskConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String taskExecId;
    private final Instant expectedUpdatedAt;
    private final Instant actualUpdatedAt;

    public TaskConflictException(
            String operation, String taskExecId, Instant expectedUpdatedAt, Instant actualUpdatedAt) {
        super(
                operation,
                "task state '" + taskExecId + "' was written at " + actualUpdatedAt + " since it was read (updated_at "
                        + expectedUpdatedAt + ")");
        this.taskExecId = taskExecId;
        this.expectedUpdatedAt = expectedUpdatedAt;
        this.actualUpdatedAt = actualUpdatedAt;
    }

    public String taskExecId() {
        return taskExecId;
    }

    /** The {@code updated_at} the caller read. */
    public Instant expectedUpdatedAt() {
        return expectedUpdatedAt;
    }

    /** The {@code updated_at} the task had when the write was refused. */
    public Instant actualUpdatedAt() {
        return actualUpdatedAt;
    }
}
