package dev.compozy.store;

import dev.compozy.store.core.FrozenMap;
import dev.compozy.store.core.Require;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the jsonb documents of the store's columns, as PostgreSQL prints them, into the maps the domain
 * records hold; the read half of the store's one JSON codec (the write half is {@link JsonWriter}, with the
 * same {@link JsonLimits}). A JSON {@code null} document reads as absent, like SQL NULL. Values come out as
 * nested objects in {@link LinkedHashMap}s, arrays in {@link ArrayList}s, numbers by the rule of
 * {@link JsonNumbers} (the smallest of Integer, Long and BigInteger; a Double, or a BigDecimal where a
 * Double would lose a digit); the top-level object is a {@link FrozenMap}.
 *
 * <p>Why not Jackson: every task row carries two small documents, and Jackson's per-document setup (parser,
 * I/O context, read contexts, deserialization context, name table) was half of the bytes a 10,000-task
 * list allocated and a third of its time. This class and {@link JsonNumbers} can be deleted for Jackson
 * (with these limits and this number rule configured) once a 10,000-task list reads no slower that way:
 * the property and foreign-row tests state what any replacement must do.
 */
final class JsonObjectParser {
    private static final int MAX_SHARED_KEY_LENGTH = 32;
    /**
     * Recently read keys, shared across documents so 100,000 rows with the key {@code "n"} hold one
     * string, not 100,000. Slots are read and overwritten without locking: a String is immutable, so a
     * thread sees either a complete string or a miss.
     */
    private static final String[] SHARED_KEYS = new String[1024];

    /** The top-level object's keys and values as they are read; its final array is allocated to size. */
    private Object[] entries = new Object[16];

    private String json;
    private int at;
    private int depth;

    /** A parser for many documents read one after the other by one thread, e.g. the rows of one query. */
    public JsonObjectParser() {}

    /** Reads one document with a parser of its own; see {@link #read}. */
    public static Map<String, Object> parse(String json) {
        return new JsonObjectParser().read(json);
    }

    /**
     * Reads a JSON object; {@code null} and the JSON document {@code null} both read as {@code null}.
     *
     * @throws IllegalArgumentException naming the offset when the text is not exactly one JSON object, or
     *     what it is instead (an array, a string, …) when it is another JSON value
     */
    public Map<String, Object> read(String json) {
        if (json == null) {
            return null;
        }
        this.json = json;
        at = 0;
        skipWhitespace();
        Map<String, Object> object;
        if (at < json.length() && json.charAt(at) == '{') {
            at++;
            object = topLevelObject();
        } else if (json.startsWith("null", at)) {
            at += 4;
            object = null;
        } else {
            throw new IllegalArgumentException("not a JSON object but " + describe(at));
        }
        skipWhitespace();
        if (at < json.length()) {
            throw error("unexpected text after the object");
        }
        return object;
    }

    /** {@link #read}, with the column's name in front of any problem, for a message that names the row. */
    public Map<String, Object> read(String json, String column) {
        try {
            return read(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(column + ": " + e.getMessage(), e);
        }
    }

    private String describe(int position) {
        if (position >= json.length()) {
            return "empty text";
        }
        char c = json.charAt(position);
        return switch (c) {
            case '[' -> "an array";
            case '"' -> "a string";
            case 't', 'f' -> "a boolean";
            default -> c == '-' || (c >= '0' && c <= '9') ? "a number" : "malformed text at offset " + position;
        };
    }

    /** Small objects go straight into a FrozenMap's array, without a map in between. */
    private Map<String, Object> topLevelObject() {
        int size = 0;
        depth = 1;
        if (!closes('}')) {
            do {
                String key = key();
                Object value = value();
                int existing = indexOf(entries, size, key);
                if (existing >= 0) {
                    entries[existing + 1] = value;
                    continue;
                }
                if (size == entries.length) {
                    entries = Arrays.copyOf(entries, size * 2);
                }
                entries[size++] = key;
                entries[size++] = value;
            } while (separated('}'));
        }
        Map<String, Object> object = FrozenMap.ofEntries(entries, size);
        Arrays.fill(entries, 0, size, null);
        return object;
    }

    private static int indexOf(Object[] entries, int size, String key) {
        for (int i = 0; i < size; i += 2) {
            if (entries[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private Object value() {
        skipWhitespace();
        if (at >= json.length()) {
            throw error("a value expected");
        }
        char c = json.charAt(at);
        switch (c) {
            case '{' -> {
                at++;
                return object();
            }
            case '[' -> {
                at++;
                return array();
            }
            case '"' -> {
                at++;
                return string(false);
            }
            case 't' -> {
                return literal("true", Boolean.TRUE);
            }
            case 'f' -> {
                return literal("false", Boolean.FALSE);
            }
            case 'n' -> {
                return literal("null", null);
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    int start = at;
                    at = JsonNumbers.end(json, start);
                    return JsonNumbers.value(json, start, at);
                }
                throw error("unexpected character '" + c + "'");
            }
        }
    }

    private Object object() {
        enter();
        Map<String, Object> object = new LinkedHashMap<>();
        if (!closes('}')) {
            do {
                String key = key();
                object.put(key, value());
            } while (separated('}'));
        }
        depth--;
        return object;
    }

    private Object array() {
        enter();
        List<Object> array = new ArrayList<>();
        if (!closes(']')) {
            do {
                array.add(value());
            } while (separated(']'));
        }
        depth--;
        return array;
    }

    private void enter() {
        if (++depth > JsonLimits.MAX_DEPTH) {
            throw error("nested deeper than " + JsonLimits.MAX_DEPTH + " levels");
        }
    }

    private String key() {
        skipWhitespace();
        expect('"');
        String key = string(true);
        skipWhitespace();
        expect(':');
        return key;
    }

    /** After an opening bracket: whether the container is empty (and then consumes its closing bracket). */
    private boolean closes(char close) {
        skipWhitespace();
        if (at < json.length() && json.charAt(at) == close) {
            at++;
            return true;
        }
        return false;
    }

    /** After a member or element: {@code true} on a comma, {@code false} on the closing bracket. */
    private boolean separated(char close) {
        skipWhitespace();
        if (at < json.length()) {
            char c = json.charAt(at++);
            if (c == ',') {
                return true;
            }
            if (c == close) {
                return false;
            }
        }
        throw error("',' or '" + close + "' expected");
    }

    private String string(boolean key) {
        int start = at;
        int hash = 0;
        while (at < json.length()) {
            char c = json.charAt(at);
            if (c == '"') {
                String value = key ? sharedKey(start, at, hash) : checkLength(json.substring(start, at));
                at++;
                return value;
            }
            if (c == '\\') {
                return escapedString(start);
            }
            if (c < 0x20 || c >= Character.MIN_SURROGATE) {
                checkCharacter(c);
            }
            hash = 31 * hash + c;
            at++;
        }
        throw error("unterminated string");
    }

    /** A control character or a surrogate at {@code at}: the first is malformed, the second must be paired. */
    private void checkCharacter(char c) {
        if (c < 0x20) {
            throw error("unescaped control character in a string");
        }
        if (Character.isHighSurrogate(c) && at + 1 < json.length() && Character.isLowSurrogate(json.charAt(at + 1))) {
            return;
        }
        if (Character.isLowSurrogate(c) && at > 0 && Character.isHighSurrogate(json.charAt(at - 1))) {
            return;
        }
        if (Character.isSurrogate(c)) {
            throw error("unpaired UTF-16 surrogate in a string");
        }
    }

    private String checkLength(String text) {
        if (text.length() > JsonLimits.MAX_STRING_LENGTH) {
            throw error("a string of " + text.length() + " characters is longer than the limit of "
                    + JsonLimits.MAX_STRING_LENGTH);
        }
        return text;
    }

    private String sharedKey(int start, int end, int hash) {
        int length = end - start;
        if (length > MAX_SHARED_KEY_LENGTH) {
            return checkLength(json.substring(start, end));
        }
        int slot = (hash ^ (hash >>> 16)) & (SHARED_KEYS.length - 1);
        String shared = SHARED_KEYS[slot];
        if (shared != null && shared.length() == length && json.regionMatches(start, shared, 0, length)) {
            return shared;
        }
        String key = checkLength(json.substring(start, end));
        SHARED_KEYS[slot] = key;
        return key;
    }

    private String escapedString(int start) {
        StringBuilder text = new StringBuilder(at - start + 16).append(json, start, at);
        while (at < json.length()) {
            char c = json.charAt(at++);
            if (c == '"') {
                return checkLength(checkPairs(text));
            }
            if (c < 0x20) {
                at--;
                throw error("unescaped control character in a string");
            }
            if (c != '\\') {
                text.append(c);
                continue;
            }
            if (at >= json.length()) {
                break;
            }
            char escaped = json.charAt(at++);
            switch (escaped) {
                case '"', '\\', '/' -> text.append(escaped);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> text.append(hexChar());
                default -> {
                    at--;
                    throw error("unknown escape '\\" + escaped + "'");
                }
            }
        }
        throw error("unterminated string");
    }

    /** An escaped string may pair its surrogates across escapes ({@code \\uD83D\\uDE00}): checked once whole. */
    private String checkPairs(StringBuilder text) {
        int bad = Require.firstUnstorable(text);
        if (bad >= 0) {
            throw error(
                    text.charAt(bad) == '\0'
                            ? "\\u0000 in a string, which PostgreSQL's text cannot hold"
                            : "unpaired UTF-16 surrogate in a string");
        }
        return text.toString();
    }

    private char hexChar() {
        if (at + 4 > json.length()) {
            throw error("four hex digits expected after \\u");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(json.charAt(at), 16);
            if (digit < 0) {
                throw error("four hex digits expected after \\u");
            }
            value = value * 16 + digit;
            at++;
        }
        return (char) value;
    }

    private Object literal(String word, Object value) {
        if (!json.startsWith(word, at)) {
            throw error("unexpected character '" + json.charAt(at) + "'");
        }
        at += word.length();
        return value;
    }

    private void expect(char c) {
        if (at >= json.length() || json.charAt(at) != c) {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    private void skipWhitespace() {
        while (at < json.length()) {
            char c = json.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            at++;
        }
    }

    private IllegalArgumentException error(String problem) {
        return malformed(problem, at);
    }

    static IllegalArgumentException malformed(String problem, int offset) {
        return new IllegalArgumentException("malformed JSON object: " + problem + " at offset " + offset);
    }
}
