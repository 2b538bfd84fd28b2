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

    /** The JSON object form, {@code {message, code, details}}, with absent members as null. */
    public Map<String, Object> toMap() {
        Map<String, Object> object = new LinkedHashMap<>(4);
        object.put("message", message);
        object.put("code", code);
        object.put("details", details);
        return object;
    }

    /**
     * The error a JSON object describes; other members, which this record has no place for, are ignored.
     *
     * @throws IllegalArgumentException naming the member when {@code message} or {@code code} is not a
     *     string or {@code details} is not an object
     */
    @SuppressWarnings("unchecked")
    public static ExecutionError fromMap(Map<String, Object> object) {
        if (object == null) {
            return null;
        }
        Object details = object.get("details");
        if (details != null && !(details instanceof Map)) {
            throw new IllegalArgumentException("error.details: " + kind(details) + ", not a JSON object");
        }
        return new ExecutionError(text(object, "message"), text(object, "code"), (Map<String, Object>) details);
    }

    private static String text(Map<String, Object> object, String member) {
        Object value = object.get(member);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException("error." + member + ": " + kind(value) + ", not a string");
        }
        return (String) value;
    }

    private static String kind(Object value) {
        return value instanceof java.util.List
                ? "an array"
                : value instanceof Boolean ? "a boolean" : value instanceof Number ? "a number" : "an object";
    }
}
