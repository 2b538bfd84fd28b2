package dev.compozy.store;

import dev.compozy.store.core.ExecutionError;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON conversion for jsonb columns, the Java form of the seed's {@code ToJSONB} / {@code FromJSONB}:
 * {@code null} in gives {@code null} out. {@link #toJsonb}, {@link #objectFromJsonb} and
 * {@link #errorFromJsonb} are the store's own codec, the one every repository path writes and reads its
 * columns with:
 * <ul>
 *   <li>written: maps with string keys, lists, strings, booleans, null, and finite numbers (Integer, Long,
 *       Short, Byte, BigInteger, Double, Float, BigDecimal); anything else, NaN and infinities, text with
 *       U+0000 or an unpaired surrogate, and values past the limits below are refused, never coerced;</li>
 *   <li>read: objects as insertion-ordered maps, arrays as lists, whole numbers as the smallest of Integer,
 *       Long and BigInteger, other numbers as Double when {@code Double.toString} gives the same value and
 *       as BigDecimal otherwise; a JSON {@code null} document reads as {@code null}, like SQL NULL.</li>
 * </ul>
 * {@link #fromJsonb(String, Class)} and {@link #mapper()} are Jackson, for your own types.
 */
public final class Json {
    /** Levels of nesting a document may have, the top-level object being the first. */
    public static final int MAX_DEPTH = JsonLimits.MAX_DEPTH;
    /** Characters (UTF-16 units) one string or key may have. */
    public static final int MAX_STRING_LENGTH = JsonLimits.MAX_STRING_LENGTH;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {}

    /** A Jackson mapper for your own types; configured once, safe to use from many threads. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /**
     * The JSON text of a value the store can hold (see the class comment), or {@code null} for {@code null};
     * an {@link ExecutionError} is written as its {@link ExecutionError#toMap() object form}.
     *
     * @throws IllegalArgumentException naming the path of the first value that is refused, and why
     */
    public static String toJsonb(Object value) {
        return JsonWriter.write(value instanceof ExecutionError error ? error.toMap() : value, "value");
    }

    /**
     * Reads JSON text as one of your types with {@link #mapper()}, or returns {@code null} for {@code null}.
     *
     * @throws IllegalArgumentException naming the target type when the text is not valid JSON for it
     */
    public static <T> T fromJsonb(String json, Class<T> type) {
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "malformed JSON for " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a JSON object as an insertion-ordered, unmodifiable map; {@code null} and the JSON document
     * {@code null} read as {@code null}.
     *
     * @throws IllegalArgumentException when the text is not a JSON object, or is past the limits
     */
    public static Map<String, Object> objectFromJsonb(String json) {
        return JsonObjectParser.parse(json);
    }

    /**
     * Reads an {@link ExecutionError} as the store does; {@code null} and the JSON document {@code null} read
     * as {@code null}.
     *
     * @throws IllegalArgumentException when the text is not a JSON object or a member has the wrong type
     */
    public static ExecutionError errorFromJsonb(String json) {
        return ExecutionError.fromMap(JsonObjectParser.parse(json));
    }
}
