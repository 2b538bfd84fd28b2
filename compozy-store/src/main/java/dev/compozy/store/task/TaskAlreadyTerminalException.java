package dev.compozy.store.task;

import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;

/**
 * A completion or leased write would change a task that is already finished (SUCCESS, FAILED,
 * TIMED_OUT, CANCELED) to something else. Nothing was written and the parent was not touched.
 */
public class TaskAlreadyTerminalException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String taskExecId;
    private final Status storedStatus;
    private final Status refusedStatus;

    public TaskAlreadyTerminalException(
            String operation, String taskExecId, Status storedStatus, Status refusedStatus) {
        super(
                operation,
                "task state '" + taskExecId + "' is already " + storedStatus + "; refusing to write " + refusedStatus
                        + (storedStatus == refusedStatus ? " with a different output or error" : ""));
        this.taskExecId = taskExecId;
        this.storedStatus = storedStatus;
        this.refusedStatus = refusedStatus;
    }

    public String taskExecId() {
        return taskExecId;
    }

    /** The final status the task already has. */
    public Status storedStatus() {
        return storedStatus;
    }

    /** The status of the refused write. */
    public Status refusedStatus() {
        return refusedStatus;
    }
}
