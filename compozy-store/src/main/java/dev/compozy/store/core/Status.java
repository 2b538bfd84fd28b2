package dev.compozy.store.core;

import java.util.EnumSet;
import java.util.Set;

/** Status of a workflow execution or a task, stored as the upper-case constant name. */
public enum Status {
    PENDING,
    RUNNING,
    SUCCESS,
    FAILED,
    TIMED_OUT,
    CANCELED,
    WAITING,
    PAUSED;

    /** Computed once: every row read compares against it. */
    private static final Status[] VALUES = values();

    private static final Set<Status> TERMINAL = EnumSet.of(SUCCESS, FAILED, TIMED_OUT, CANCELED);
    private static final Set<Status> IN_PROGRESS = EnumSet.of(RUNNING, WAITING, PAUSED);

    /** The value stored in the database. */
    public String dbValue() {
        return name();
    }

    /** Whether no further transition is expected: success, failure, time-out or cancellation. */
    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    /** Whether work has started and not ended: running, waiting or paused. */
    public boolean isInProgress() {
        return IN_PROGRESS.contains(this);
    }

    /**
     * The status stored as {@code value}.
     *
     * @throws IllegalArgumentException when the text is not one of the eight statuses; matching is exact,
     *     since another client writing "success" would otherwise be read back differently than it wrote
     */
    public static Status fromDb(String value) {
        if (value != null) {
            for (Status status : VALUES) {
                if (status.name().equals(value)) {
                    return status;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown status '" + value + "' (expected one of " + java.util.Arrays.toString(values()) + ")");
    }
}
