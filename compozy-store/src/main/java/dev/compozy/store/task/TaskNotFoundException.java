package dev.compozy.store.task;

import dev.compozy.store.core.StoreException;

/** No task state has the id that was asked for. */
public class TaskNotFoundException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String taskExecId;

    public TaskNotFoundException(String operation, String taskExecId) {
        this(operation, taskExecId, "task state '" + taskExecId + "' not found");
    }

    public TaskNotFoundException(String operation, String taskExecId, String message) {
        super(operation, message);
        this.taskExecId = taskExecId;
    }

    /** The id that was not found (for {@code getChildByTaskId}, the parent's). */
    public String taskExecId() {
        return taskExecId;
    }
}
