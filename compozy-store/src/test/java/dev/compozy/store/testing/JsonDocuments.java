package dev.compozy.store.testing;

import dev.compozy.store.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random JSON documents made of exactly the Java types the store reads back (see {@link Json}), so that a
 * document written and read again is {@code equals} to itself: whole numbers as the smallest of Integer,
 * Long and BigInteger; fractions as Double, or as BigDecimal when they have more digits than a Double.
 */
public final class JsonDocuments {
    private final Random random;

    public JsonDocuments(long seed) {
        this.random = new Random(seed);
    }

    /** An object of up to six members, nested up to four levels, with every kind of value. */
    public Map<String, Object> object() {
        return object(1);
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> object = new LinkedHashMap<>();
        int members = random.nextInt(7);
        for (int i = 0; i < members; i++) {
            object.put(text(random.nextInt(12)), value(depth));
        }
        return object;
    }

    private Object value(int depth) {
        int kind = random.nextInt(depth >= 4 ? 8 : 10);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> text(random.nextInt(40));
            case 3 -> wholeNumber();
            case 4 -> finiteDouble();
            case 5 -> longDecimal();
            case 6 -> random.nextBoolean() ? Map.of() : List.of();
            case 7 -> text(random.nextInt(3));
            case 8 -> object(depth + 1);
            default -> array(depth + 1);
        };
    }

    private List<Object> array(int depth) {
        List<Object> array = new ArrayList<>();
        int elements = random.nextInt(6);
        for (int i = 0; i < elements; i++) {
            array.add(value(depth));
        }
        return array;
    }

    /** Integers, longs and integers beyond a long, each in the type the store reads it back as. */
    private Object wholeNumber() {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextInt();
            case 1 -> {
                long value = random.nextLong();
                yield value == (int) value ? (Object) (int) value : (Object) value;
            }
            default ->
                new BigInteger(64 + random.nextInt(3000), random)
                        .add(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE))
                        .multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
        };
    }

    /** Any finite Double but -0.0, which PostgreSQL's numeric reads as 0 (see README). */
    private double finiteDouble() {
        double value;
        do {
            value = Double.longBitsToDouble(random.nextLong());
        } while (!Double.isFinite(value) || Double.doubleToRawLongBits(value) == Long.MIN_VALUE);
        return value;
    }

    /** 20 to 80 significant digits, the last not 0: more than any Double's, so it reads back as itself. */
    private BigDecimal longDecimal() {
        BigInteger unscaled;
        do {
            unscaled = new BigInteger(70 + random.nextInt(200), random);
        } while (unscaled.toString().length() < 20
                || unscaled.mod(BigInteger.TEN).signum() == 0);
        BigDecimal decimal = new BigDecimal(unscaled, 1 + random.nextInt(60));
        return random.nextBoolean() ? decimal : decimal.negate();
    }

    /**
     * Text from every plane: ASCII, control characters, Latin, Greek, right-to-left scripts, CJK,
     * combining marks, the BMP's noncharacters, emoji and other supplementary characters as surrogate pairs;
     * never U+0000 or an unpaired surrogate, which the store refuses.
     */
    public String text(int codePoints) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            text.appendCodePoint(codePoint());
        }
        return text.toString();
    }

    private int codePoint() {
        return switch (random.nextInt(10)) {
            case 0 -> 1 + random.nextInt(0x1F);
            case 1, 2 -> 0x20 + random.nextInt(0x5F);
            case 3 -> 0xA0 + random.nextInt(0x2F0);
            case 4 -> 0x0590 + random.nextInt(0x170);
            case 5 -> 0x4E00 + random.nextInt(0x5200);
            case 6 -> 0x0300 + random.nextInt(0x70);
            case 7 -> random.nextBoolean() ? 0xFFFE + random.nextInt(2) : 0xE000 + random.nextInt(0x1900);
            case 8 -> 0x1F300 + random.nextInt(0x300);
            default -> 0x10000 + random.nextInt(0x100000);
        };
    }

    /** An object nested exactly {@code levels} deep (the object itself is the first), objects and arrays alternating. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> nested(int levels) {
        Object container = Map.of("leaf", 1);
        for (int wrap = levels - 1; wrap >= 1; wrap--) {
            container = wrap % 2 == 1 ? Map.of("o", container) : List.of(container);
        }
        return (Map<String, Object>) container;
    }
}
