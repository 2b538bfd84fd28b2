package dev.compozy.store.task;

import dev.compozy.store.core.Require;
import java.time.Instant;
import java.util.Objects;

/**
 * Position after which the next page of {@link TaskRepository#listStates} starts: the sort key
 * {@code (created_at, task_exec_id)} of the last row of the previous page.
 */
public record TaskCursor(Instant createdAt, String taskExecId) {
    public TaskCursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Require.storable(Objects.requireNonNull(taskExecId, "taskExecId"), "taskExecId");
    }

    /** The cursor just after {@code last}, a state read from the store. */
    public static TaskCursor after(TaskState last) {
        if (last == null || last.createdAt() == null) {
            throw new IllegalArgumentException("after: needs a state read from the store (with createdAt)");
        }
        return new TaskCursor(last.createdAt(), last.taskExecId());
    }
}
