package dev.compozy.store.core;

/** Argument checks that fail before any SQL, naming the offending field. */
public final class Require {
    private Require() {}

    public static String nonBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": must not be blank");
        }
        return storable(value, field);
    }

    /** Null is allowed (the column is optional); an empty or blank string is not. */
    public static String nullOrNonBlank(String value, String field) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(field + ": must be null or non-blank");
        }
        return value == null ? null : storable(value, field);
    }

    /**
     * Text PostgreSQL can hold exactly: no U+0000 (text and jsonb refuse it), and no unpaired UTF-16
     * surrogate, which has no UTF-8 form and which the driver would silently send as {@code ?}, so two
     * different ids would become one row. Null passes (the caller decides whether null is allowed).
     */
    public static String storable(String value, String field) {
        if (value == null) {
            return null;
        }
        int problem = firstUnstorable(value);
        if (problem >= 0) {
            throw new IllegalArgumentException(field + ": " + unstorableReason(value, problem));
        }
        return value;
    }

    /** The index of the first U+0000 or unpaired surrogate in {@code value}, or -1 when there is none. */
    public static int firstUnstorable(CharSequence value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < Character.MIN_SURROGATE && c != '\0') {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (c == '\0' || Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Says what is wrong at {@code index}, a position {@link #firstUnstorable} returned. */
    public static String unstorableReason(CharSequence value, int index) {
        char c = value.charAt(index);
        return c == '\0'
                ? "must not contain the NUL character (U+0000), at index " + index
                : String.format(
                        "must not contain an unpaired UTF-16 surrogate (U+%04X at index %d): it has no " + "UTF-8 form",
                        (int) c, index);
    }

    public static <T> T nonNull(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + ": must not be null");
        }
        return value;
    }
}
