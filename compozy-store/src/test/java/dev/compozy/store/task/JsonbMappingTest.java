package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.testing.IntegrationTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * input / output / error through jsonb, read back three ways that must agree: the JPA entity under a row lock
 * ({@code getStateForUpdate}, jsonb mapped as text by Hypersistence JsonType), by id and by list (native SQL).
 */
class JsonbMappingTest extends IntegrationTest {

    private TaskState roundTrip(TaskState.Builder state) {
        TaskState written = tasks.upsertState(state.build());
        TaskState byEntity = tasks.fromTx(tx -> tasks.getStateForUpdate(tx, written.taskExecId()));
        TaskState byId = tasks.getState(written.taskExecId());
        TaskState byRow = tasks.listStates(TaskStateFilter.builder()
                        .taskExecId(written.taskExecId())
                        .build())
                .get(0);
        assertThat(byId).isEqualTo(byEntity);
        assertThat(byRow).isEqualTo(byEntity);
        return byEntity;
    }

    @Test
    void nestedJsonRoundTrips() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of(1, 2.5, "three", List.of(true, false)));
        nested.put("object", Map.of("deeper", Map.of("deepest", "value")));
        nested.put("nullValue", null);

        TaskState read =
                roundTrip(task(execution(workflows), "nested").input(nested).output(nested));

        assertThat(read.input()).isEqualTo(nested);
        assertThat(read.output()).isEqualTo(nested);
    }

    @Test
    void anEmptyMapStaysAnEmptyObject() {
        TaskState read =
                roundTrip(task(execution(workflows), "empty").input(Map.of()).output(Map.of()));

        assertThat(read.input()).isEmpty();
        assertThat(read.output()).isEmpty();
        assertThat(count("SELECT count(*) FROM task_states WHERE input = '{}'::jsonb AND output = '{}'::jsonb"))
                .isEqualTo(1);
    }

    @Test
    void anAbsentValueIsSqlNullNotJsonNull() {
        TaskState read = roundTrip(task(execution(workflows), "absent"));

        assertThat(read.input()).isNull();
        assertThat(read.output()).isNull();
        assertThat(read.error()).isNull();
        assertThat(count("SELECT count(*) FROM task_states WHERE input IS NULL AND output IS NULL AND error IS NULL"))
                .isEqualTo(1);
    }

    @Test
    void unicodeRoundTrips() {
        Map<String, Object> text = Map.of("greeting", "héllo wörld — 你好 — 🚀", "ключ", "значение");

        assertThat(roundTrip(task(execution(workflows), "unicode").input(text)).input())
                .isEqualTo(text);
    }

    @Test
    void aOneMebibyteDocumentRoundTrips() {
        Map<String, Object> large = new LinkedHashMap<>();
        for (int i = 0; i < 1024; i++) {
            large.put("key-" + i, "x".repeat(1024));
        }

        TaskState read = roundTrip(task(execution(workflows), "large").output(large));

        assertThat(read.output()).isEqualTo(large);
        assertThat(count("SELECT octet_length(output::text) FROM task_states")).isGreaterThan(1024 * 1024);
    }

    @Test
    void anErrorIsStoredAsMessageCodeAndDetails() {
        ExecutionError error = new ExecutionError("it broke", "E_BROKE", Map.of("attempt", 2));

        TaskState read = roundTrip(task(execution(workflows), "error").error(error));

        assertThat(read.error()).isEqualTo(error);
        assertThat(scalar("SELECT error->>'code' FROM task_states")).isEqualTo("E_BROKE");
    }
}
