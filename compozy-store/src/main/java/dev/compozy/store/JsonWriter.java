package dev.compozy.store;

import dev.compozy.store.core.Require;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON documents of the jsonb columns, accepting exactly what {@link JsonObjectParser} reads
 * back: maps with string keys, lists, strings, booleans, null and finite numbers, within {@link JsonLimits}.
 * Anything else is refused with an {@link IllegalArgumentException} naming the path of the value (for
 * example {@code input.items[3].price}) and never quoting the value, instead of being coerced the way a
 * general-purpose mapper would (NaN as a string, a bean as its properties, a lambda as {@code {}}).
 */
final class JsonWriter {
    private static final int MAX_PATH_KEY_LENGTH = 40;

    private final StringBuilder out;

    private JsonWriter(StringBuilder out) {
        this.out = out;
    }

    /**
     * The compact JSON text of {@code value}, or {@code null} for {@code null}.
     *
     * @param field names the value in error messages: the column ("input") or the caller's name for it
     */
    public static String write(Object value, String field) {
        if (value == null) {
            return null;
        }
        JsonWriter writer = new JsonWriter(new StringBuilder(64));
        writer.top(value, field);
        return writer.out.toString();
    }

    /** Checks that {@link #write} would accept {@code value}, without producing the text. */
    public static void check(Object value, String field) {
        if (value != null) {
            new JsonWriter(null).top(value, field);
        }
    }

    private void top(Object value, String field) {
        try {
            value(value, 0);
        } catch (Refused refused) {
            throw refused.named(field);
        }
    }

    private void value(Object value, int depth) {
        if (value == null) {
            append("null");
        } else if (value instanceof String text) {
            string(text);
        } else if (value instanceof Map<?, ?> map) {
            object(map, depth + 1);
        } else if (value instanceof List<?> list) {
            array(list, depth + 1);
        } else if (value instanceof Boolean
                || value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte) {
            append(value.toString());
        } else if (value instanceof Double || value instanceof Float) {
            append(decimal(((Number) value).doubleValue()));
        } else if (value instanceof BigInteger integer) {
            append(checkDigits(new BigDecimal(integer)).toString());
        } else if (value instanceof BigDecimal decimal) {
            append(checkDigits(decimal).toPlainString());
        } else {
            throw new Refused(value.getClass().getName() + " is not a JSON value (a map with string keys, a list, "
                    + "a string, a number, a boolean or null is)");
        }
    }

    /** A valid document allocates no path: the path of a refused value is collected as the refusal unwinds. */
    private void object(Map<?, ?> map, int depth) {
        enter(depth);
        append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                throw new Refused("a key is "
                        + (entry.getKey() == null
                                ? "null"
                                : "a " + entry.getKey().getClass().getName()) + "; JSON object keys are strings");
            }
            if (!first) {
                append(',');
            }
            first = false;
            try {
                string(key);
                append(':');
                value(entry.getValue(), depth);
            } catch (Refused refused) {
                throw refused.under(key);
            }
        }
        append('}');
    }

    private void array(List<?> list, int depth) {
        enter(depth);
        append('[');
        int index = 0;
        for (Object element : list) {
            if (index > 0) {
                append(',');
            }
            try {
                value(element, depth);
            } catch (Refused refused) {
                throw refused.at(index);
            }
            index++;
        }
        append(']');
    }

    private static void enter(int depth) {
        if (depth > JsonLimits.MAX_DEPTH) {
            throw new Refused("nested deeper than the limit of " + JsonLimits.MAX_DEPTH + " levels");
        }
    }

    private void string(String text) {
        if (text.length() > JsonLimits.MAX_STRING_LENGTH) {
            throw new Refused("a string of " + text.length() + " characters is longer than the limit of "
                    + JsonLimits.MAX_STRING_LENGTH);
        }
        int problem = Require.firstUnstorable(text);
        if (problem >= 0) {
            throw new Refused("the string " + Require.unstorableReason(text, problem));
        }
        if (out == null) {
            return;
        }
        out.append('"');
        int copied = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(text, copied, i);
            copied = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\u%04x", (int) c));
            }
        }
        out.append(text, copied, text.length()).append('"');
    }

    /**
     * A double in plain notation with a decimal point, which PostgreSQL's numeric keeps as written, so it
     * reads back as the same Double ({@code 1.0E20} in exponent form would come back as a whole number).
     */
    private static String decimal(double value) {
        if (!Double.isFinite(value)) {
            throw new Refused(value + " is not a JSON number");
        }
        String text = Double.toString(value == 0 ? 0.0 : value);
        if (text.indexOf('E') < 0) {
            return text;
        }
        String plain = new BigDecimal(text).toPlainString();
        return plain.indexOf('.') < 0 ? plain + ".0" : plain;
    }

    /** PostgreSQL's numeric, which jsonb stores numbers in, holds these many digits around the point. */
    private static BigDecimal checkDigits(BigDecimal value) {
        int before = Math.max(value.precision() - value.scale(), 0);
        if (before > JsonLimits.MAX_INTEGER_DIGITS) {
            throw new Refused("a number with " + before + " digits before the decimal point is over the " + "limit of "
                    + JsonLimits.MAX_INTEGER_DIGITS);
        }
        if (value.scale() > JsonLimits.MAX_FRACTION_DIGITS) {
            throw new Refused("a number with " + value.scale() + " digits after the decimal point is over "
                    + "the limit of " + JsonLimits.MAX_FRACTION_DIGITS);
        }
        return value;
    }

    private void append(String text) {
        if (out != null) {
            out.append(text);
        }
    }

    private void append(char c) {
        if (out != null) {
            out.append(c);
        }
    }

    /**
     * A refused value on its way up to {@link #top}, gathering the keys and indexes it passes; no stack
     * trace, since the {@link IllegalArgumentException} it becomes is what the caller sees.
     */
    private static final class Refused extends RuntimeException {
        private final StringBuilder reversedPath = new StringBuilder();
        private final String problem;

        Refused(String problem) {
            super(problem, null, false, false);
            this.problem = problem;
        }

        Refused under(String key) {
            String shown = key.length() > MAX_PATH_KEY_LENGTH ? key.substring(0, MAX_PATH_KEY_LENGTH) + "…" : key;
            reversedPath.insert(0, '.' + printable(shown));
            return this;
        }

        Refused at(int index) {
            reversedPath.insert(0, "[" + index + "]");
            return this;
        }

        IllegalArgumentException named(String field) {
            return new IllegalArgumentException(field + reversedPath + ": " + problem);
        }

        /** A key in a message shows no control character or lone surrogate, which may be what is wrong with it. */
        private static String printable(String key) {
            StringBuilder shown = new StringBuilder(key.length());
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (Character.isHighSurrogate(c)
                        && i + 1 < key.length()
                        && Character.isLowSurrogate(key.charAt(i + 1))) {
                    shown.append(c).append(key.charAt(++i));
                } else if (c < 0x20 || Character.isSurrogate(c)) {
                    shown.append(String.format("\\u%04X", (int) c));
                } else {
                    shown.append(c);
                }
            }
            return shown.toString();
        }
    }
}
