package dev.compozy.store.core;

import java.time.Duration;

/**
 * How {@code withTx(policy, …)} / {@code fromTx(policy, …)} retry a transaction that failed with a
 * {@link TransientStoreException} (deadlock or serialization failure): at most {@code maxAttempts}
 * runs, sleeping between them for a random time up to an exponentially growing bound ("full jitter"), so
 * colliding transactions spread out instead of colliding again in step.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff == null || initialBackoff.isNegative()) {
            throw new IllegalArgumentException("initialBackoff: must be zero or positive");
        }
        if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff: must be at least initialBackoff");
        }
    }

    /** 5 attempts, backoff bounds from 10 ms doubling up to 500 ms. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(5, Duration.ofMillis(10), Duration.ofMillis(500));
    }

    /** A single attempt: transient failures surface at once. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }
}
