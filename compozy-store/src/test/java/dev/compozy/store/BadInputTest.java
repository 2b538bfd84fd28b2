package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: every case ends either in success or in a typed exception (IllegalArgumentException,
 * TaskNotFoundException, StoreException), and a rejected write leaves the table as it was.
 */
class BadInputTest extends IntegrationTest {
    private static int tried;
    private static int accepted;
    private static int rejected;

    @AfterAll
    static void report() {
        System.out.println("bad-input cases: " + tried + " tried, " + accepted + " accepted, " + rejected
                + " rejected with a typed exception");
    }

    /** Runs one write case and checks the all-or-nothing rule around it. */
    private void writeCase(String description, long rowsIfAccepted, Supplier<?> write) {
        long before = count("SELECT count(*) FROM task_states");
        tried++;
        try {
            write.get();
            accepted++;
            assertThat(count("SELECT count(*) FROM task_states"))
                    .as(description)
                    .isEqualTo(before + rowsIfAccepted);
        } catch (IllegalArgumentException | StoreException e) {
            rejected++;
            assertThat(e.getMessage()).as(description).isNotBlank();
            assertThat(count("SELECT count(*) FROM task_states"))
                    .as(description + " left a partial write")
                    .isEqualTo(before);
        } catch (RuntimeException e) {
            fail(description + " failed with an untyped " + e, e);
        }
    }

    private void readCase(String description, Supplier<?> read) {
        tried++;
        try {
            read.get();
            accepted++;
        } catch (IllegalArgumentException | StoreException e) {
            rejected++;
            assertThat(e.getMessage()).as(description).isNotBlank();
        } catch (RuntimeException e) {
            fail(description + " failed with an untyped " + e, e);
        }
    }

    private static Set<String> hostileIds() {
        Random random = new Random(20261124);
        Set<String> ids = new LinkedHashSet<>(List.of(
                "",
                " ",
                "\t\n",
                "'",
                "\"",
                "\\",
                "'; DROP TABLE task_states; --",
                "a\u0000b",
                "\u0000",
                "%",
                "_",
                "🚀",
                "ключ",
                "x".repeat(10_000),
                "$1",
                "?",
                "NULL",
                "null"));
        for (int i = 0; i < 200; i++) {
            StringBuilder id = new StringBuilder();
            int length = 1 + random.nextInt(64);
            for (int j = 0; j < length; j++) {
                id.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x20 + random.nextInt(0x2FFF));
            }
            ids.add(id.toString());
        }
        return ids;
    }

    @Test
    void randomAndMalformedIdsAreFoundRejectedOrStoredVerbatim() {
        WorkflowExecution execution = execution(workflows);
        for (String id : hostileIds()) {
            readCase("getState(" + id.length() + " chars)", () -> {
                try {
                    return tasks.getState(id);
                } catch (TaskNotFoundException expected) {
                    return null;
                }
            });
            boolean valid = !id.isBlank() && id.indexOf('\0') < 0;
            writeCase("upsert with id of " + id.length() + " chars", 1, () -> {
                TaskState stored = tasks.upsertState(
                        task(execution, "hostile").taskExecId(id).build());
                assertThat(tasks.getState(id).taskExecId()).isEqualTo(id);
                assertThat(tasks.listStates(
                                TaskStateFilter.builder().taskExecId(id).build()))
                        .hasSize(1);
                return stored;
            });
            if (!valid) {
                assertThatThrownBy(() -> tasks.upsertState(
                                task(execution, "hostile").taskExecId(id).build()))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("taskExecId:");
            }
        }
        assertThat(count("SELECT count(*) FROM workflow_states")).isEqualTo(1);
    }

    @Test
    void aNulCharacterInJsonIsRefusedBeforeAnySqlNamingItsPath() {
        WorkflowExecution execution = execution(workflows);
        writeCase(
                "NUL in a JSON value",
                1,
                () -> tasks.upsertState(task(execution, "nul")
                        .input(Map.of("text", "before\u0000after"))
                        .build()));
        writeCase(
                "NUL in a JSON key",
                1,
                () -> tasks.upsertState(
                        task(execution, "nul-key").output(Map.of("k\u0000", 1)).build()));
        assertThatThrownBy(() -> tasks.upsertState(
                        task(execution, "nul").input(Map.of("t", "\u0000")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("input.t: the string must not contain the NUL character (U+0000)");
    }

    @Test
    void tenThousandLevelsOfNestingFailBeforeAnySql() {
        WorkflowExecution execution = execution(workflows);
        Map<String, Object> deep = new LinkedHashMap<>();
        Map<String, Object> cursor = deep;
        for (int i = 0; i < 10_000; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            cursor.put("d", next);
            cursor = next;
        }
        writeCase(
                "10,000 levels of nesting",
                1,
                () -> tasks.upsertState(task(execution, "deep").input(deep).build()));
        assertThatThrownBy(() ->
                        tasks.upsertState(task(execution, "deep").input(deep).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith(
                        "nested deeper than the limit of " + dev.compozy.store.Json.MAX_DEPTH + " levels");
    }

    @Test
    void deepNestingWrittenByAnotherClientIsAReadErrorOrReadsBack() {
        WorkflowExecution execution = execution(workflows);
        TaskState state = tasks.upsertState(task(execution, "deep").build());
        String json = "{\"d\":".repeat(2_000) + "1" + "}".repeat(2_000);
        execute("UPDATE task_states SET output = ?::jsonb WHERE task_exec_id = ?", json, state.taskExecId());

        readCase("getState of 2,000 levels", () -> tasks.getState(state.taskExecId()));
        readCase("listStates of 2,000 levels", () -> tasks.listStates(TaskStateFilter.all()));
    }

    @Test
    void aFiftyMebibyteDocumentIsStoredAndReadBack() {
        WorkflowExecution execution = execution(workflows);
        Map<String, Object> big = new LinkedHashMap<>();
        String chunk = "y".repeat(1024);
        for (int i = 0; i < 50 * 1024; i++) {
            big.put("k" + i, chunk);
        }
        writeCase(
                "50 MiB document",
                1,
                () -> tasks.upsertState(task(execution, "big").output(big).build()));
        TaskState read = tasks.listStates(
                        TaskStateFilter.builder().taskId("big").build())
                .get(0);
        assertThat(read.output()).hasSize(50 * 1024);
        assertThat(count("SELECT octet_length(output::text) FROM task_states WHERE task_id = 'big'"))
                .isGreaterThan(50L * 1024 * 1024);
    }

    @Test
    void unknownStatusesWrittenByAnotherClientAreReadErrorsNamingTheRow() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(task(execution, "parent").build());
        for (String status : List.of("DONE", "success", "", "RUNNING ", "Pending")) {
            execute("UPDATE task_states SET status = ? WHERE task_exec_id = ?", status, parent.taskExecId());
            tried++;
            assertThatThrownBy(() -> tasks.getState(parent.taskExecId()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(parent.taskExecId())
                    .hasMessageContaining("unknown status '" + status + "'");
            rejected++;
        }
        execute("UPDATE workflow_states SET status = 'FINISHED'");
        tried++;
        assertThatThrownBy(() -> workflows.getExecution(execution.workflowExecId()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("unknown status 'FINISHED'");
        rejected++;
        execute("UPDATE workflow_states SET status = ?", Status.RUNNING.dbValue());
    }
}
