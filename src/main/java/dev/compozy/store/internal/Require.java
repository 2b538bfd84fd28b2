package dev.compozy.store.internal;

/** Argument checks that fail before any SQL, naming the offending field. */
public final class Require {
    private Require() {
    }

    public static String nonBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": must not be blank");
        }
        return value;
    }

    /** Null is allowed (the column is optional); an empty or blank string is not. */
    public static String nullOrNonBlank(String value, String field) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(field + ": must be null or non-blank");
        }
        return value;
    }

    public static <T> T nonNull(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + ": must not be null");
        }
        return value;
    }
}
