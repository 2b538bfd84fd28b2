package dev.compozy.store.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The seed's ToJSONB / FromJSONB helpers. */
class JsonTest {

    @Test
    void nullInGivesNullOut() {
        assertThat(Json.toJsonb(null)).isNull();
        assertThat(Json.fromJsonb(null, ExecutionError.class)).isNull();
        assertThat(Json.objectFromJsonb(null)).isNull();
    }

    @Test
    void anObjectRoundTripsWithNestingAndNulls() {
        Map<String, Object> value = new java.util.LinkedHashMap<>();
        value.put("list", List.of(1, "two", Map.of("three", 3.5)));
        value.put("nothing", null);
        value.put("flag", true);

        assertThat(Json.objectFromJsonb(Json.toJsonb(value))).isEqualTo(value);
    }

    @Test
    void anErrorRoundTripsAsMessageCodeAndDetails() {
        ExecutionError error = new ExecutionError("boom", "E42", Map.of("attempt", 3));

        String json = Json.toJsonb(error);

        assertThat(json).contains("\"message\":\"boom\"", "\"code\":\"E42\"", "\"details\":{\"attempt\":3}");
        assertThat(Json.fromJsonb(json, ExecutionError.class)).isEqualTo(error);
    }

    @Test
    void malformedJsonIsAClearErrorNamingTheTargetType() {
        assertThatThrownBy(() -> Json.fromJsonb("{not json", ExecutionError.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed JSON for ExecutionError");
        assertThatThrownBy(() -> Json.objectFromJsonb("[1, 2]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a JSON object but an array");
    }
}
