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

    private final boolean canHaveChildren;

    ExecutionType(boolean canHaveChildren) {
        this.canHaveChildren = canHaveChildren;
    }

    public boolean canHaveChildren() {
        return canHaveChildren;
    }

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException when the text is not a known execution type */
    public static ExecutionType fromDb(String value) {
        for (ExecutionType type : values()) {
            if (type.dbValue().equals(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown execution type '" + value + "'");
    }
}
