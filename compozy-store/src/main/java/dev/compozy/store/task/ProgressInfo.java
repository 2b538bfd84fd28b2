package dev.compozy.store.task;

import dev.compozy.store.core.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Counts over the direct children of one parent task, from one {@code GROUP BY status} query.
 *
 * @param statusCounts children per status; only statuses present, never null
 */
public record ProgressInfo(
        int totalChildren,
        int successCount,
        int failedCount,
        int canceledCount,
        int timedOutCount,
        int terminalCount,
        int runningCount,
        int pendingCount,
        Map<Status, Integer> statusCounts) {

    public ProgressInfo {
        Objects.requireNonNull(statusCounts, "statusCounts");
        statusCounts = Collections.unmodifiableMap(
                statusCounts.isEmpty() ? new EnumMap<>(Status.class) : new EnumMap<>(statusCounts));
    }

    /** Derives every count from the number of children per status. */
    public static ProgressInfo of(Map<Status, Integer> statusCounts) {
        int total = 0;
        for (int count : statusCounts.values()) {
            total += count;
        }
        int success = count(statusCounts, Status.SUCCESS);
        int failed = count(statusCounts, Status.FAILED);
        int canceled = count(statusCounts, Status.CANCELED);
        int timedOut = count(statusCounts, Status.TIMED_OUT);
        int running = count(statusCounts, Status.RUNNING)
                + count(statusCounts, Status.WAITING)
                + count(statusCounts, Status.PAUSED);
        return new ProgressInfo(
                total,
                success,
                failed,
                canceled,
                timedOut,
                success + failed + canceled + timedOut,
                running,
                count(statusCounts, Status.PENDING),
                statusCounts);
    }

    private static int count(Map<Status, Integer> counts, Status status) {
        return counts.getOrDefault(status, 0);
    }

    /** success / total, 0 when there are no children. */
    public double completionRate() {
        return totalChildren == 0 ? 0.0 : (double) successCount / totalChildren;
    }

    /** (failed + timed out) / total, 0 when there are no children. */
    public double failureRate() {
        return totalChildren == 0 ? 0.0 : (double) (failedCount + timedOutCount) / totalChildren;
    }

    public boolean allTerminal() {
        return terminalCount == totalChildren;
    }

    /** The parent's status under {@link CompletionStrategy#WAIT_ALL}. */
    public Status overallStatus() {
        return overallStatus(CompletionStrategy.WAIT_ALL);
    }

    /** The parent's status the children imply under the given strategy; PENDING when there are none. */
    public Status overallStatus(CompletionStrategy strategy) {
        Objects.requireNonNull(strategy, "strategy");
        if (totalChildren == 0) {
            return Status.PENDING;
        }
        boolean allSucceeded = successCount == totalChildren;
        boolean anyFailed = failedCount + timedOutCount > 0;
        boolean anyRunning = runningCount > 0;
        return switch (strategy) {
            case WAIT_ALL ->
                allSucceeded
                        ? Status.SUCCESS
                        : anyRunning ? Status.RUNNING : anyFailed ? Status.FAILED : Status.PENDING;
            case FAIL_FAST ->
                anyFailed
                        ? Status.FAILED
                        : allSucceeded ? Status.SUCCESS : anyRunning ? Status.RUNNING : Status.PENDING;
            case BEST_EFFORT ->
                allTerminal()
                        ? (successCount > 0 ? Status.SUCCESS : Status.FAILED)
                        : anyRunning ? Status.RUNNING : Status.PENDING;
            case RACE ->
                successCount > 0
                        ? Status.SUCCESS
                        : allTerminal() ? Status.FAILED : anyRunning ? Status.RUNNING : Status.PENDING;
        };
    }
}
