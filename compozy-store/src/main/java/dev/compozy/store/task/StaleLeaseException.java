package dev.compozy.store.task;

import dev.compozy.store.core.StoreException;

/**
 * A write carried a lease whose fencing token is not the task's current one: the task was claimed again
 * since (its lease had expired), so the writer no longer holds it. Nothing was written.
 */
public class StaleLeaseException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String taskExecId;
    private final long presentedToken;
    private final long currentToken;

    public StaleLeaseException(
            String operation, String taskExecId, long presentedToken, long currentToken, String currentOwner) {
        super(
                operation,
                "task state '" + taskExecId + "': lease token " + presentedToken + " is stale, the task is "
                        + "held under token " + currentToken
                        + (currentOwner == null ? "" : " by '" + currentOwner + "'"));
        this.taskExecId = taskExecId;
        this.presentedToken = presentedToken;
        this.currentToken = currentToken;
    }

    public String taskExecId() {
        return taskExecId;
    }

    /** The token the refused write carried. */
    public long presentedToken() {
        return presentedToken;
    }

    /** The task's token when the write was refused. */
    public long currentToken() {
        return currentToken;
    }
}
