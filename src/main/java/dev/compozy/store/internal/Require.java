package dev.compozy.store.internal;

/** Argument checks that fail before any SQL, naming the offending field. */
public final class Require {
    private Require() {
    }

    /** PostgreSQL text cannot hold U+0000, so such a value is rejected here rather than by the driver. */
    public static String nonBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": must not be blank");
        }
        return noNul(value, field);
    }

    /** Null is allowed (the column is optional); an empty or blank string is not. */
    public static String nullOrNonBlank(String value, String field) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(field + ": must be null or non-blank");
        }
        return value == null ? null : noNul(value, field);
    }

    private static String noNul(String value, String field) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + ": must not contain the NUL character (U+0000)");
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
