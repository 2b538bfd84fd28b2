package dev.compozy.store.task;

import dev.compozy.store.core.Require;
import java.time.Instant;

/**
 * An agent's hold on a claimed task: who holds it, until when (the database's clock), and the fencing
 * token of this claim. Every claim of a task gives it a greater token, so a write that carries a token
 * older than the task's current one comes from an agent that lost the task, and is refused.
 *
 * @param taskExecId the task
 * @param owner the agent that claimed it
 * @param token the fencing token of this claim
 * @param expiresAt when the lease ends unless a heartbeat extends it, on the database's clock
 */
public record Lease(String taskExecId, String owner, long token, Instant expiresAt) {
    public Lease {
        Require.nonBlank(taskExecId, "lease.taskExecId");
        Require.nonBlank(owner, "lease.owner");
        Require.nonNull(expiresAt, "lease.expiresAt");
        if (token < 1) {
            throw new IllegalArgumentException("lease.token: must be at least 1, got " + token);
        }
    }
}
