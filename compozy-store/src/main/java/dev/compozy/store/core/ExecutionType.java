package dev.compozy.store.core;

import java.util.Locale;

/** How a task executes, stored in lower case; some types can have child tasks. */
public enum ExecutionType {
    BASIC(false),
    ROUTER(false),
    PARALLEL(true),
    COLLECTION(true),
    COMPOSITE(true),
    WAIT(false),
    SIGNAL(false),
    AGGREGATE(true),
    MEMORY(true);

    /** Computed once: every task row read compares against it. */
    private static final ExecutionType[] VALUES = values();

    private final boolean canHaveChildren;
    private final String dbValue = name().toLowerCase(Locale.ROOT);

    ExecutionType(boolean canHaveChildren) {
        this.canHaveChildren = canHaveChildren;
    }

    public boolean canHaveChildren() {
        return canHaveChildren;
    }

    public String dbValue() {
        return dbValue;
    }

    /** @throws IllegalArgumentException when the text is not a known execution type */
    public static ExecutionType fromDb(String value) {
        for (ExecutionType type : VALUES) {
            if (type.dbValue().equals(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown execution type '" + value + "'");
    }
}
