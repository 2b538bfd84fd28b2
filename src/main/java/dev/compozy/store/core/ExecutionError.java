package dev.compozy.store.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The error of a failed task or workflow, stored as the JSON object {@code {message, code, details}}.
 *
 * @param message human-readable description
 * @param code machine-readable code, may be null
 * @param details free-form context, may be null
 */
public record ExecutionError(String message, String code, Map<String, Object> details) {
    public ExecutionError {
        details = details == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static ExecutionError of(String code, String message) {
        return new ExecutionError(message, code, null);
    }
}
