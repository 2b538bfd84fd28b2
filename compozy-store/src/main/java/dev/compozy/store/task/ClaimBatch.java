package dev.compozy.store.task;

import java.util.List;

/**
 * What one claim did.
 *
 * @param claimed the tasks now held by the claiming agent, oldest first
 * @param failed tasks whose lease expired once too often, set FAILED (error code
 *     {@value LeaseTerms#LEASE_EXPIRED}) by this claim instead of being handed out again; their parents are
 *     not settled by the claim (it does not know their completion strategy): repeat their stored state
 *     through {@link TaskRepository#completeChild(TaskState, CompletionStrategy)}, which accepts the
 *     same terminal state again and settles the parent
 */
public record ClaimBatch(List<ClaimedTask> claimed, List<TaskState> failed) {
    public ClaimBatch {
        claimed = List.copyOf(claimed);
        failed = List.copyOf(failed);
    }

    /** Whether the claim found nothing to do. */
    public boolean isEmpty() {
        return claimed.isEmpty() && failed.isEmpty();
    }
}
