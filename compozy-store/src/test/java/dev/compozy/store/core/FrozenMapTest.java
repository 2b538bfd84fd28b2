package dev.compozy.store.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The frozen maps the domain records keep: small ones as an array, large ones as a wrapped map. */
class FrozenMapTest {

    private static Map<String, Object> source(int size) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = size; i > 0; i--) {
            map.put("key-" + i, i % 3 == 0 ? null : i);
        }
        return map;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 8, 9, 50})
    void aCopyKeepsEveryEntryIncludingNullValuesInInsertionOrder(int size) {
        Map<String, Object> source = source(size);

        Map<String, Object> frozen = FrozenMap.copyOf(source);

        assertThat(frozen).isEqualTo(source).hasSameHashCodeAs(source);
        assertThat(frozen.keySet()).containsExactlyElementsOf(source.keySet());
        source.forEach((key, value) -> {
            assertThat(frozen.containsKey(key)).isTrue();
            assertThat(frozen.get(key)).isEqualTo(value);
        });
        assertThat(frozen.containsKey("absent")).isFalse();
        assertThat(frozen.get("absent")).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 50})
    void neitherTheMapNorItsEntriesCanBeChanged(int size) {
        Map<String, Object> frozen = FrozenMap.copyOf(source(size));

        assertThatThrownBy(() -> frozen.put("new", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> frozen.remove("key-1")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(frozen::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> frozen.entrySet().iterator().next().setValue(0))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> frozen.keySet().iterator().remove()).isInstanceOf(RuntimeException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 50})
    void aCopyDoesNotFollowLaterChangesToItsSource(int size) {
        Map<String, Object> source = source(size);
        Map<String, Object> frozen = FrozenMap.copyOf(source);

        source.put("key-1", "changed");
        source.put("added", true);

        assertThat(frozen).hasSize(size).containsEntry("key-1", 1).doesNotContainKey("added");
    }

    @Test
    void aFrozenMapIsNotCopiedAgainAndNullStaysNull() {
        Map<String, Object> frozen = FrozenMap.copyOf(new HashMap<>(Map.of("a", 1)));

        assertThat(FrozenMap.copyOf(frozen)).isSameAs(frozen);
        assertThat(FrozenMap.copyOf(null)).isNull();
    }

    @Test
    void aBuilderKeepsInsertionOrderAndAReplacedValueKeepsItsPlace() {
        FrozenMap.Builder<Integer> builder = FrozenMap.builder();
        for (int i = 0; i < 20; i++) {
            builder.put("key-" + i, i);
        }
        builder.put("key-3", 33);

        Map<String, Integer> built = builder.build();

        assertThat(built).hasSize(20).containsEntry("key-3", 33).isInstanceOf(FrozenMap.class);
        assertThat(built.keySet()).startsWith("key-0", "key-1", "key-2", "key-3", "key-4");
        assertThat(FrozenMap.copyOf(built)).isSameAs(built);
    }

    @Test
    void aBuilderThatHasBuiltTakesNothingMoreSoItsMapStaysFrozen() {
        FrozenMap.Builder<String> builder = FrozenMap.<String>builder().put("a", "1");
        Map<String, String> built = builder.build();

        assertThatThrownBy(() -> builder.put("b", "2")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> builder.get("a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> built.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(built).containsExactly(Map.entry("a", "1"));
    }

    @Test
    void aNullKeyIsFoundLikeAnyOther() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put(null, 1);
        source.put("b", 2);

        Map<String, Object> frozen = FrozenMap.copyOf(source);

        assertThat(frozen.get(null)).isEqualTo(1);
        assertThat(frozen.containsKey(null)).isTrue();
        assertThat(frozen.get("b")).isEqualTo(2);
    }
}
