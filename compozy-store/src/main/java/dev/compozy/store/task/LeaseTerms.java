package dev.compozy.store.task;

import dev.compozy.store.core.Require;
import java.time.Duration;

/**
 * What an agent asks for when it claims tasks: its name, how long a lease lasts without a heartbeat, and
 * how many claims a task may have before an expired lease fails it instead of handing it out again.
 *
 * @param owner the agent's name, stored on every task it holds
 * @param duration the lease's length from the moment of the claim or heartbeat (at least 1 ms)
 * @param maxAttempts claims a task may have; a task whose lease expires after its last allowed claim is
 *     set FAILED with the error code {@value #LEASE_EXPIRED}
 */
public record LeaseTerms(String owner, Duration duration, int maxAttempts) {
    /** The error code of a task failed because its leases kept expiring. */
    public static final String LEASE_EXPIRED = "LEASE_EXPIRED";

    /** The default of {@link #maxAttempts}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public LeaseTerms {
        Require.nonBlank(owner, "owner");
        requireDuration(duration, "duration");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: must be at least 1, got " + maxAttempts);
        }
    }

    /** Terms with {@value #DEFAULT_MAX_ATTEMPTS} attempts. */
    public static LeaseTerms of(String owner, Duration duration) {
        return new LeaseTerms(owner, duration, DEFAULT_MAX_ATTEMPTS);
    }

    public LeaseTerms withMaxAttempts(int attempts) {
        return new LeaseTerms(owner, duration, attempts);
    }

    public static Duration requireDuration(Duration duration, String field) {
        Require.nonNull(duration, field);
        if (duration.toMillis() < 1) {
            throw new IllegalArgumentException(field + ": must be at least 1 ms, got " + duration);
        }
        return duration;
    }
}
