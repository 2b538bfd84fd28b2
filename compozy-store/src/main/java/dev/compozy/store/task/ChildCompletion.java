package dev.compozy.store.task;

import dev.compozy.store.core.Status;

/**
 * The outcome of {@link TaskRepository#completeChild}.
 *
 * @param child the child as stored
 * @param parentProgress the parent's progress including this child's new state
 * @param parentStatus the parent's status after the call
 * @param parentCompleted whether this call moved the parent to its final status (true for exactly one
 *     of many concurrent completions)
 */
public record ChildCompletion(
        TaskState child, ProgressInfo parentProgress, Status parentStatus, boolean parentCompleted) {}
