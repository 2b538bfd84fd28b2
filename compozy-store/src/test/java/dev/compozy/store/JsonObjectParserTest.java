package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.compozy.store.core.FrozenMap;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectReader;

/**
 * The jsonb object reader, checked against the oracle it replaces: Jackson's untyped reading of the same
 * text must give equal values of the same classes, and what Jackson refuses, the reader refuses.
 */
class JsonObjectParserTest {
    private static final ObjectReader JACKSON =
            Json.mapper().readerFor(new TypeReference<LinkedHashMap<String, Object>>() {});

    @Test
    void readsEveryRandomDocumentAsJacksonDoes() {
        Random random = new Random(20261124);
        for (int i = 0; i < 5_000; i++) {
            Map<String, Object> document = randomObject(random, 0);
            String compact = Json.toJsonb(document);
            String printedLikePostgres = compact.replace(",\"", ", \"").replace("\":", "\": ");

            for (String text : List.of(compact, printedLikePostgres)) {
                assertSameTree(JsonObjectParser.parse(text), JACKSON.readValue(text), text);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"int\": 2147483647, \"min\": -2147483648, \"long\": 2147483648, \"negLong\": -2147483649}",
                "{\"maxLong\": 9223372036854775807, \"minLong\": -9223372036854775808}",
                "{\"big\": 9223372036854775808, \"negBig\": -9223372036854775809, \"huge\": 123456789012345678901234567890}",
                "{\"zero\": 0, \"negZero\": -0, \"float\": -0.0, \"exp\": 1e2, \"Exp\": 1E-2, \"signed\": 2.5e+3}",
                "{\"escapes\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"unicode\": \"\\u00e9\\u4e2d\\ud83d\\ude00\", \"raw\": \"é中😀\"}",
                "{\"key \\\"quoted\\\"\": 1, \"\\u006bey\": 2, \"\": 3}",
                "{\"dup\": 1, \"other\": 2, \"dup\": 3}",
                "{\"nested\": {\"dup\": 1, \"dup\": [true, false, null]}, \"empty\": {}, \"list\": [], \"deep\": [[[{}]]]}",
                " \t\r\n{ \"spaced\" :\n[ 1 , 2 ] }\n "
            })
    void readsEdgeCasesAsJacksonDoes(String text) {
        assertSameTree(JsonObjectParser.parse(text), JACKSON.readValue(text), text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "{\"a\"}",
                "{\"a\" 1}",
                "{\"a\": }",
                "{\"a\": 1,}",
                "{\"a\": 1 \"b\": 2}",
                "{a: 1}",
                "{'a': 1}",
                "{\"a\": 01}",
                "{\"a\": -}",
                "{\"a\": 1.}",
                "{\"a\": .5}",
                "{\"a\": 1e}",
                "{\"a\": +1}",
                "{\"a\": tru}",
                "{\"a\": nul}",
                "{\"a\": NaN}",
                "{\"a\": \"unterminated}",
                "{\"a\": \"bad \\x escape\"}",
                "{\"a\": \"\\u12\"}",
                "{\"a\": \"tab\tinside\"}",
                "{\"a\": [1, 2}",
                "{\"a\": {\"b\": 1}",
                "{\"a\": 1} {\"b\": 2}",
                "{\"a\": 1} x"
            })
    void refusesWhatJacksonRefuses(String text) {
        assertThatThrownBy(() -> JACKSON.readValue(text))
                .as("Jackson on %s", text)
                .isNotNull();

        assertThatThrownBy(() -> JsonObjectParser.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at offset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "[1, 2]", "\"text\"", "42", "true"})
    void namesWhatATopLevelValueIsWhenItIsNotAnObject(String text) {
        assertThatThrownBy(() -> JsonObjectParser.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a JSON object but ");
    }

    @Test
    void readsTheJsonNullDocumentAsAbsentLikeSqlNull() {
        assertThat(JsonObjectParser.parse(" null ")).isNull();
    }

    @Test
    void readsAFractionAsDoubleWhenDoubleKeepsItsValueAndAsBigDecimalOtherwise() {
        Map<String, Object> read = JsonObjectParser.parse("{\"tiny\": 4.9e-324, \"plain\": 100000000000000000000.0, "
                + "\"overflow\": 1e400, \"digits\": 0.1000000000000000055511151231257827, \"scaled\": 2.50}");

        assertThat(read.get("tiny")).isEqualTo(4.9e-324);
        assertThat(read.get("plain")).isEqualTo(1e20);
        assertThat(read.get("scaled")).isEqualTo(2.5);
        assertThat(read.get("overflow")).isEqualTo(new BigDecimal("1e400"));
        assertThat(read.get("digits")).isEqualTo(new BigDecimal("0.1000000000000000055511151231257827"));
    }

    @Test
    void refusesAStringLongerThanTheLimit() {
        String text = "{\"s\": \"" + "x".repeat(JsonLimits.MAX_STRING_LENGTH + 1) + "\"}";

        assertThatThrownBy(() -> JsonObjectParser.parse(text))
                .hasMessageContaining("longer than the limit of " + JsonLimits.MAX_STRING_LENGTH);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"{\"a\": \"\\ud800\"}", "{\"a\": \"\\udc00x\"}", "{\"\\ud83d\": 1}", "{\"a\": \"\\u0000\"}"})
    void refusesEscapesPostgresCannotHold(String text) {
        assertThatThrownBy(() -> JsonObjectParser.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesTheOffsetOfTheProblem() {
        assertThatThrownBy(() -> JsonObjectParser.parse("{\"a\": 1, \"b\" 2}"))
                .hasMessage("malformed JSON object: ':' expected at offset 13");
    }

    @Test
    void sharesKeyStringsAcrossDocuments() {
        Map<String, Object> first = JsonObjectParser.parse("{\"sharedKey\": 1}");
        Map<String, Object> second = JsonObjectParser.parse("{\"sharedKey\": 2}");

        assertThat(second.keySet().iterator().next())
                .isSameAs(first.keySet().iterator().next());
    }

    @Test
    void readsNestingUpToTheLimitAndRefusesDeeper() {
        int levels = JsonLimits.MAX_DEPTH - 1;
        String deepest = "{\"a\": " + "[".repeat(levels) + "]".repeat(levels) + "}";
        String tooDeep = "{\"a\": " + "[".repeat(levels + 1) + "]".repeat(levels + 1) + "}";

        assertThat(JsonObjectParser.parse(deepest)).containsKey("a");
        assertThatThrownBy(() -> JsonObjectParser.parse(tooDeep))
                .hasMessageStartingWith(
                        "malformed JSON object: nested deeper than " + JsonLimits.MAX_DEPTH + " levels");
    }

    @Test
    void returnsAFrozenMapAtTheTopAndPlainCollectionsInside() {
        Map<String, Object> read = JsonObjectParser.parse("{\"o\": {\"k\": 1}, \"l\": [1]}");

        assertThat(read).isInstanceOf(FrozenMap.class);
        assertThat(read.get("o")).isInstanceOf(LinkedHashMap.class);
        assertThat(read.get("l")).isInstanceOf(ArrayList.class);
    }

    /** Equal values, the same class at every node, the same key order. */
    private static void assertSameTree(Object actual, Object expected, String text) {
        if (expected == null || actual == null) {
            assertThat(actual).as(text).isEqualTo(expected);
            return;
        }
        if (expected instanceof Map<?, ?> expectedMap) {
            assertThat(actual).as(text).isInstanceOf(Map.class);
            Map<?, ?> actualMap = (Map<?, ?>) actual;
            assertThat(List.<Object>copyOf(actualMap.keySet()))
                    .as(text)
                    .containsExactlyElementsOf(List.<Object>copyOf(expectedMap.keySet()));
            expectedMap.forEach((key, value) -> assertSameTree(actualMap.get(key), value, text));
            return;
        }
        if (actual instanceof Map<?, ?>) {
            fail("%s: read a map where Jackson read %s", text, expected);
        }
        assertThat(actual.getClass()).as(text).isEqualTo(expected.getClass());
        if (expected instanceof List<?> expectedList) {
            List<?> actualList = (List<?>) actual;
            assertThat(actualList).as(text).hasSameSizeAs(expectedList);
            Iterator<?> actualItems = actualList.iterator();
            expectedList.forEach(item -> assertSameTree(actualItems.next(), item, text));
            return;
        }
        assertThat(actual).as(text).isEqualTo(expected);
    }

    private static Map<String, Object> randomObject(Random random, int depth) {
        Map<String, Object> object = new LinkedHashMap<>();
        int size = random.nextInt(depth == 0 ? 14 : 5);
        for (int i = 0; i < size; i++) {
            object.put(randomString(random), randomValue(random, depth + 1));
        }
        return object;
    }

    private static Object randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 9 : 11);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextInt(2_000) - 1_000;
            case 3 -> random.nextInt();
            case 4 -> random.nextLong();
            case 5 ->
                new BigInteger(64 + random.nextInt(100), random)
                        .multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
            case 6 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20) * (random.nextBoolean() ? 1 : -1);
            case 7, 8 -> randomString(random);
            case 9 -> randomObject(random, depth);
            default -> {
                List<Object> list = new ArrayList<>();
                int size = random.nextInt(5);
                for (int i = 0; i < size; i++) {
                    list.add(randomValue(random, depth + 1));
                }
                yield list;
            }
        };
    }

    private static final String ALPHABET = "abcXYZ09 _-\"\\/\b\f\n\r\t\u0001\u001féü中😀";

    private static String randomString(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(12);
        int[] codePoints = ALPHABET.codePoints().toArray();
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
        }
        return text.toString();
    }
}
