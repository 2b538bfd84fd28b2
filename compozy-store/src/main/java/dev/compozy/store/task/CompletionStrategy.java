package dev.compozy.store.task;

/** How the statuses of a parent's children decide the parent's status; see {@link ProgressInfo#overallStatus}. */
public enum CompletionStrategy {
    /** Done when every child is terminal; fails if any child failed. */
    WAIT_ALL,
    /** Fails as soon as any child failed or timed out. */
    FAIL_FAST,
    /** Done when every child is terminal; succeeds if any child succeeded. */
    BEST_EFFORT,
    /** Succeeds as soon as any child succeeded. */
    RACE
}
