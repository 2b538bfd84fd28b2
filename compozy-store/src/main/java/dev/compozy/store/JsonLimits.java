package dev.compozy.store;

/**
 * The limits of the store's JSON documents, the same on write ({@link JsonWriter}) and on read
 * ({@link JsonObjectParser}), so that whatever the store accepts it can read back. They are structural, not
 * sizes of the text, because PostgreSQL prints a jsonb value with other spacing than it was written with.
 */
final class JsonLimits {
    /**
     * Levels of nesting, the top-level object being the first. The reader is recursive; this bounds its
     * stack use well inside a default thread's stack.
     */
    public static final int MAX_DEPTH = 1000;

    /**
     * Characters (UTF-16 units) in one string or key, after unescaping: 32 MiB. jsonb holds a string of up to
     * 256 MiB of UTF-8; this leaves room for three bytes a character and keeps one value's copies on the heap
     * (the row text, the string) in tens of megabytes.
     */
    public static final int MAX_STRING_LENGTH = 32 * 1024 * 1024;

    /** Digits before the decimal point that PostgreSQL's numeric, jsonb's number type, can hold. */
    public static final int MAX_INTEGER_DIGITS = 131_072;

    /** Digits after the decimal point that PostgreSQL's numeric can hold. */
    public static final int MAX_FRACTION_DIGITS = 16_383;

    private JsonLimits() {}
}
