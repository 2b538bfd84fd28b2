package dev.compozy.store.task;

/**
 * A task handed to an agent by a claim.
 *
 * @param task the task as stored, now RUNNING
 * @param lease the agent's lease on it; pass it to every write the agent makes to the task
 * @param attempt how many times the task has been claimed, this claim included
 */
public record ClaimedTask(TaskState task, Lease lease, int attempt) {}
