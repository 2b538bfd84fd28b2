package dev.compozy.store;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The numbers of the store's JSON reader ({@link JsonObjectParser}): the JSON number grammar exactly (no
 * leading zeros, no bare sign or point, digits after 'e'), and the rule for their Java values. Whole
 * numbers come out as the smallest of Integer, Long and BigInteger, other numbers as Double when
 * {@link Double#toString} gives back the same value and as BigDecimal otherwise, so no digit is lost; both
 * within what PostgreSQL's numeric holds ({@link JsonLimits}).
 */
final class JsonNumbers {
    private JsonNumbers() {}

    /**
     * Where the number that starts at {@code start} (a '-' or a digit) ends.
     *
     * @throws IllegalArgumentException naming the offset where the text leaves the grammar
     */
    static int end(String json, int start) {
        int at = start;
        if (json.charAt(at) == '-') {
            at++;
        }
        int integerStart = at;
        at = skipDigits(json, at);
        if (at == integerStart) {
            throw JsonObjectParser.malformed("digits expected", at);
        }
        if (json.charAt(integerStart) == '0' && at - integerStart > 1) {
            throw JsonObjectParser.malformed("leading zeros are not allowed", integerStart);
        }
        if (at < json.length() && json.charAt(at) == '.') {
            at = requireDigits(json, at + 1);
        }
        if (at < json.length() && (json.charAt(at) == 'e' || json.charAt(at) == 'E')) {
            at++;
            if (at < json.length() && (json.charAt(at) == '+' || json.charAt(at) == '-')) {
                at++;
            }
            at = requireDigits(json, at);
        }
        return at;
    }

    /**
     * The value of the number from {@code start} to {@code end}, which {@link #end} has read.
     *
     * @throws IllegalArgumentException naming {@code end} when the number is beyond PostgreSQL's numeric
     */
    static Object value(String json, int start, int end) {
        int integerStart = json.charAt(start) == '-' ? start + 1 : start;
        if (skipDigits(json, integerStart) < end) {
            return decimal(json.substring(start, end), end);
        }
        if (end - integerStart > JsonLimits.MAX_INTEGER_DIGITS) {
            throw JsonObjectParser.malformed(
                    "a number with more than " + JsonLimits.MAX_INTEGER_DIGITS + " digits", end);
        }
        if (end - integerStart <= 18) {
            long value = 0;
            for (int i = integerStart; i < end; i++) {
                value = value * 10 + (json.charAt(i) - '0');
            }
            return smallest(json.charAt(start) == '-' ? -value : value);
        }
        BigInteger value = new BigInteger(json.substring(start, end));
        return value.bitLength() < 64 ? smallest(value.longValue()) : value;
    }

    /**
     * A Double when it has exactly the value of the text as Java prints it back, which holds for every
     * Double the store writes; otherwise the exact BigDecimal, so a decimal written with more digits than a
     * Double has keeps them.
     */
    private static Object decimal(String text, int end) {
        double value = Double.parseDouble(text);
        if (Double.isFinite(value)) {
            String printed = Double.toString(value);
            if (printed.equals(text) || new BigDecimal(text).compareTo(new BigDecimal(printed)) == 0) {
                return value;
            }
        }
        BigDecimal exact = new BigDecimal(text);
        if (exact.precision() - exact.scale() > JsonLimits.MAX_INTEGER_DIGITS
                || exact.scale() > JsonLimits.MAX_FRACTION_DIGITS) {
            throw JsonObjectParser.malformed("a number outside what PostgreSQL's numeric holds", end);
        }
        return exact;
    }

    private static Object smallest(long value) {
        return value == (int) value ? (Object) (int) value : (Object) value;
    }

    private static int requireDigits(String json, int start) {
        int end = skipDigits(json, start);
        if (end == start) {
            throw JsonObjectParser.malformed("digits expected", start);
        }
        return end;
    }

    private static int skipDigits(String json, int from) {
        int at = from;
        while (at < json.length() && json.charAt(at) >= '0' && json.charAt(at) <= '9') {
            at++;
        }
        return at;
    }
}
