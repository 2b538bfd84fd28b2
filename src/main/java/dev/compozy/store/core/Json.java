package dev.compozy.store.core;

import java.util.Map;
import dev.compozy.store.internal.JsonObjectParser;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON conversion for jsonb columns, the Java form of the seed's {@code ToJSONB} / {@code FromJSONB}:
 * {@code null} in gives {@code null} out, so SQL NULL and the JSON document {@code null} stay distinct.
 */
public final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    /** The shared mapper; configured once, safe to use from many threads. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /**
     * Serializes a value to JSON text, or returns {@code null} for {@code null}.
     *
     * @throws IllegalArgumentException when the value cannot be serialized
     */
    public static String toJsonb(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " to JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads JSON text as the given type, or returns {@code null} for {@code null}.
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
            throw new IllegalArgumentException("malformed JSON for " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a JSON object as an insertion-ordered, unmodifiable map, or returns {@code null} for
     * {@code null}.
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static Map<String, Object> objectFromJsonb(String json) {
        return JsonObjectParser.parse(json);
    }
}
