package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The write half of the codec: what it writes, and what it refuses (naming the path, never the value). */
class JsonWriterTest {

    @Test
    void writesCompactJsonWithTheEscapesJsonRequires() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("text", "quote \" backslash \\ tab \t nul-free \u0001 é 😀");
        document.put("list", List.of(1, 2L, true));
        document.put("none", null);

        assertThat(JsonWriter.write(document, "input"))
                .isEqualTo("{\"text\":\"quote \\\" backslash \\\\ tab \\t nul-free \\u0001 é 😀\","
                        + "\"list\":[1,2,true],\"none\":null}");
    }

    @Test
    void writesDoublesInPlainNotationWithAPointSoTheyReadBackAsDoubles() {
        assertThat(JsonWriter.write(Map.of("d", 1e20), "f")).isEqualTo("{\"d\":100000000000000000000.0}");
        assertThat(JsonWriter.write(Map.of("d", 1.5e-7), "f")).isEqualTo("{\"d\":0.00000015}");
        assertThat(JsonWriter.write(Map.of("d", 2.5f), "f")).isEqualTo("{\"d\":2.5}");
        assertThat(JsonObjectParser.parse(JsonWriter.write(Map.of("d", 1e20), "f"))
                        .get("d"))
                .isEqualTo(1e20);
    }

    @Test
    void writesNegativeZeroAsZeroSinceNumericHasNoNegativeZero() {
        assertThat(JsonWriter.write(Map.of("z", -0.0), "f")).isEqualTo("{\"z\":0.0}");
    }

    @Test
    void writesBigNumbersWithEveryDigit() {
        BigDecimal decimal = new BigDecimal("-0.1000000000000000055511151231257827021181583404541015625");
        BigInteger integer = new BigInteger("123456789012345678901234567890");

        assertThat(JsonWriter.write(Map.of("d", decimal), "f")).isEqualTo("{\"d\":" + decimal.toPlainString() + "}");
        assertThat(JsonWriter.write(Map.of("i", integer), "f")).isEqualTo("{\"i\":" + integer + "}");
        assertThat(JsonObjectParser.parse(JsonWriter.write(Map.of("d", decimal), "f"))
                        .get("d"))
                .isEqualTo(decimal);
    }

    @Test
    void refusesWhatIsNotAJsonValueNamingItsPath() {
        assertRefused(
                Map.of("a", Map.of("b", List.of(0, Set.of(1)))),
                "input.a.b[1]: java.util.ImmutableCollections$Set12 is not a JSON value");
        assertRefused(Map.of("when", java.time.Instant.EPOCH), "input.when: java.time.Instant is not a JSON value");
        assertRefused(Map.of("n", Double.NEGATIVE_INFINITY), "input.n: -Infinity is not a JSON number");
        assertRefused(Map.of("n", Float.NaN), "input.n: NaN is not a JSON number");
    }

    @Test
    void refusesKeysThatAreNotStrings() {
        Map<Object, Object> numbered = new HashMap<>();
        numbered.put(1, "one");

        assertThatThrownBy(() -> JsonWriter.write(numbered, "input"))
                .hasMessage("input: a key is a java.lang.Integer; JSON object keys are strings");
    }

    @Test
    void refusesTextPostgresCannotHoldShowingTheKeyEscaped() {
        assertRefused(Map.of("k\uD800", 1), "input.k\\uD800: the string must not contain an unpaired UTF-16 surrogate");
        assertRefused(Map.of("v", "a\uDC00"), "input.v: the string must not contain an unpaired UTF-16 surrogate");
        assertRefused(Map.of("v", "\u0000"), "input.v: the string must not contain the NUL character");
    }

    @Test
    void refusesNumbersNumericCannotHold() {
        assertRefused(
                Map.of("n", new BigDecimal("1e-16384")), "input.n: a number with 16384 digits after the decimal point");
        assertRefused(
                Map.of("n", new BigDecimal("1e131072")),
                "input.n: a number with 131073 digits before the decimal point");
    }

    @Test
    void refusesNestingPastTheLimitAndACycleLikeIt() {
        Map<String, Object> cycle = new HashMap<>();
        cycle.put("self", cycle);

        assertThatThrownBy(() -> JsonWriter.check(cycle, "input"))
                .hasMessageEndingWith("nested deeper than the limit of " + JsonLimits.MAX_DEPTH + " levels");
    }

    @Test
    void checksWithoutWritingByTheSameRules() {
        assertThatThrownBy(() -> JsonWriter.check(Map.of("n", Double.NaN), "output"))
                .hasMessage("output.n: NaN is not a JSON number");
        JsonWriter.check(Map.of("ok", List.of()), "output");
    }

    private static void assertRefused(Map<?, ?> document, String messageStart) {
        assertThatThrownBy(() -> JsonWriter.write(document, "input"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(messageStart);
    }
}
