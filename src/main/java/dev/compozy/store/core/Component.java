package dev.compozy.store.core;

import java.util.Locale;

/** What kind of component produced a state, stored in lower case. */
public enum Component {
    WORKFLOW,
    TASK,
    AGENT,
    TOOL,
    LOG;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException when the text is not a known component */
    public static Component fromDb(String value) {
        for (Component component : values()) {
            if (component.dbValue().equals(value)) {
                return component;
            }
        }
        throw new IllegalArgumentException("unknown component '" + value + "'");
    }
}
