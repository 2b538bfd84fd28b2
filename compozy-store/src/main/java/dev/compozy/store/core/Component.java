package dev.compozy.store.core;

import java.util.Locale;

/** What kind of component produced a state, stored in lower case. */
public enum Component {
    WORKFLOW,
    TASK,
    AGENT,
    TOOL,
    LOG;

    /** Computed once: every task row read compares against it. */
    private static final Component[] VALUES = values();

    private final String dbValue = name().toLowerCase(Locale.ROOT);

    public String dbValue() {
        return dbValue;
    }

    /** @throws IllegalArgumentException when the text is not a known component */
    public static Component fromDb(String value) {
        for (Component component : VALUES) {
            if (component.dbValue().equals(value)) {
                return component;
            }
        }
        throw new IllegalArgumentException("unknown component '" + value + "'");
    }
}
