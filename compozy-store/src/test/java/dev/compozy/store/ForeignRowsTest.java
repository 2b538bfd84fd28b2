package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.ExecutionFilter;
import dev.compozy.store.workflow.WorkflowExecution;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rows written the way the Go store and psql users write them, with raw SQL: every read path gives the same
 * value, or the same typed error naming the row and the column; the lock paths never answer differently.
 */
class ForeignRowsTest extends IntegrationTest {

    /** What a jsonb text written by another client reads as: a value, or a StoreException saying this. */
    private record Case(String description, String column, String json, Object value, String error) {
        @Override
        public String toString() {
            return description;
        }
    }

    private static Case reads(String description, String column, String json, Object value) {
        return new Case(description, column, json, value, null);
    }

    private static Case fails(String description, String column, String json, String error) {
        return new Case(description, column, json, null, error);
    }

    static Stream<Arguments> taskCases() {
        List<Case> cases = new ArrayList<>();
        for (String column : List.of("input", "output")) {
            cases.add(reads(column + " JSON null", column, "null", null));
            cases.add(reads(column + " {}", column, "{}", Map.of()));
            cases.add(fails(column + " array", column, "[1, 2]", column + ": not a JSON object but an array"));
            cases.add(fails(column + " string", column, "\"x\"", column + ": not a JSON object but a string"));
            cases.add(fails(column + " number", column, "42", column + ": not a JSON object but a number"));
            cases.add(fails(column + " boolean", column, "true", column + ": not a JSON object but a boolean"));
        }
        cases.add(reads(
                "non-ASCII",
                "input",
                "{\"ключ\": \"значение\", \"中\": \"文\", \"emoji\": \"😀\", \"rtl\": \"שלום\"}",
                Map.of("ключ", "значение", "中", "文", "emoji", "😀", "rtl", "שלום")));
        cases.add(reads(
                "a 1,000-digit integer",
                "input",
                "{\"n\": " + "9".repeat(1_000) + "}",
                Map.of("n", new BigInteger("9".repeat(1_000)))));
        cases.add(reads(
                "a 1,000-digit fraction",
                "output",
                "{\"d\": 0." + "3".repeat(1_000) + "}",
                Map.of("d", new BigDecimal("0." + "3".repeat(1_000)))));
        cases.add(
                reads("a fraction a Double holds", "output", "{\"d\": 2.50, \"e\": 1e2}", Map.of("d", 2.5, "e", 100)));
        cases.add(reads(
                "nesting at the limit", "input", deep(Json.MAX_DEPTH), Json.objectFromJsonb(deep(Json.MAX_DEPTH))));
        cases.add(fails(
                "nesting past the limit",
                "input",
                deep(Json.MAX_DEPTH + 1),
                "input: malformed JSON object: nested deeper than " + Json.MAX_DEPTH + " levels at offset "
                        + (6 * Json.MAX_DEPTH + 1)));
        cases.add(reads(
                "a 30 MiB string",
                "output",
                "{\"s\": \"" + "z".repeat(30 << 20) + "\"}",
                Map.of("s", "z".repeat(30 << 20))));
        cases.add(reads(
                "error with an unknown member",
                "error",
                "{\"message\": \"m\", \"code\": \"c\", \"details\": {\"a\": 1}, \"stack\": [1]}",
                new ExecutionError("m", "c", Map.of("a", 1))));
        cases.add(reads("error JSON null", "error", "null", null));
        cases.add(reads("error {}", "error", "{}", new ExecutionError(null, null, null)));
        cases.add(fails("error as a string", "error", "\"boom\"", "error: not a JSON object but a string"));
        cases.add(fails(
                "error message as a number", "error", "{\"message\": 5}", "error.message: a number, not a string"));
        cases.add(fails(
                "error details as an array",
                "error",
                "{\"details\": []}",
                "error.details: an array, not a JSON object"));
        return cases.stream().map(Arguments::of);
    }

    private static String deep(int levels) {
        return "{\"d\": ".repeat(levels) + "1" + "}".repeat(levels);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("taskCases")
    void aTaskRowReadsTheSameOnEveryPath(Case row) {
        String execId = Id.newId();
        String parentId = Id.newId();
        String childId = Id.newId();
        execute(
                "INSERT INTO workflow_states (workflow_exec_id, workflow_id, status) VALUES (?, 'foreign', 'RUNNING')",
                execId);
        execute(
                "INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, "
                        + "execution_type) VALUES (?, 'parent', ?, 'foreign', 'task', 'RUNNING', 'parallel')",
                parentId,
                execId);
        execute(
                "INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, "
                        + "parent_state_id, " + row.column()
                        + ") VALUES (?, 'child', ?, 'foreign', 'task', 'PENDING', ?, ?::jsonb)",
                childId,
                execId,
                parentId,
                row.json());

        Function<TaskState, Object> column = state -> switch (row.column()) {
            case "input" -> state.input();
            case "output" -> state.output();
            default -> state.error();
        };
        Map<String, Supplier<Object>> paths = new LinkedHashMap<>();
        paths.put("getState", () -> column.apply(tasks.getState(childId)));
        paths.put(
                "getStateForUpdate",
                () -> column.apply(
                        tasks.<TaskState, RuntimeException>fromTx(tx -> tasks.getStateForUpdate(tx, childId))));
        paths.put(
                "getStatesForUpdate",
                () -> column.apply(tasks.<TaskState, RuntimeException>fromTx(
                        tx -> tasks.getStatesForUpdate(tx, List.of(childId)).get(0))));
        paths.put(
                "listStates",
                () -> column.apply(tasks.listStates(
                                TaskStateFilter.builder().taskExecId(childId).build())
                        .get(0)));
        paths.put("forEachState", () -> {
            List<TaskState> seen = new ArrayList<>();
            tasks.forEachState(TaskStateFilter.builder().taskExecId(childId).build(), seen::add);
            return column.apply(seen.get(0));
        });
        paths.put(
                "listTasksInWorkflow",
                () -> column.apply(tasks.listTasksInWorkflow(execId).get("child")));
        paths.put(
                "listChildren", () -> column.apply(tasks.listChildren(parentId).get(0)));
        paths.put("getChildByTaskId", () -> column.apply(tasks.getChildByTaskId(parentId, "child")));
        paths.put("getTaskTree", () -> column.apply(tasks.getTaskTree(parentId).get(1)));
        paths.put(
                "getExecution",
                () -> column.apply(workflows.getExecution(execId).tasks().get("child")));
        paths.put(
                "listExecutions",
                () -> column.apply(workflows
                        .listExecutions(
                                ExecutionFilter.builder().workflowExecId(execId).build())
                        .get(0)
                        .tasks()
                        .get("child")));
        if (row.column().equals("output")) {
            paths.put(
                    "listChildrenOutputs",
                    () -> tasks.listChildrenOutputs(parentId).get("child"));
        }
        paths.put(
                "claimPendingTasks",
                () -> column.apply(tasks.claimPendingTasks(execId, 1).get(0)));

        paths.forEach((path, read) -> assertReadsAs(row, "task_states", childId, path, read));
    }

    static Stream<Arguments> workflowCases() {
        return Stream.of(
                        reads("input JSON null", "input", "null", null),
                        reads("output {}", "output", "{}", Map.of()),
                        reads(
                                "a 1,000-digit integer",
                                "input",
                                "{\"n\": -" + "1".repeat(1_000) + "}",
                                Map.of("n", new BigInteger("-" + "1".repeat(1_000)))),
                        fails("input array", "input", "[]", "input: not a JSON object but an array"),
                        fails("error as a number", "error", "7", "error: not a JSON object but a number"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workflowCases")
    void aWorkflowRowReadsTheSameOnEveryPathIncludingTheCompletionLock(Case row) {
        String execId = Id.newId();
        execute(
                "INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, " + row.column()
                        + ") VALUES (?, 'foreign', 'RUNNING', ?::jsonb)",
                execId,
                row.json());

        Function<WorkflowExecution, Object> column = execution -> switch (row.column()) {
            case "input" -> execution.input();
            case "output" -> execution.output();
            default -> execution.error();
        };
        Map<String, Supplier<Object>> paths = new LinkedHashMap<>();
        paths.put("getExecution", () -> column.apply(workflows.getExecution(execId)));
        paths.put(
                "listExecutions",
                () -> column.apply(workflows
                        .listExecutions(
                                ExecutionFilter.builder().workflowExecId(execId).build())
                        .get(0)));
        paths.put("getExecutionByWorkflowId", () -> column.apply(workflows.getExecutionByWorkflowId("foreign")));
        if (!row.column().equals("output")) {
            // Completion replaces the output; it reads the input and error through the entity's lock path.
            paths.put("completeWorkflow", () -> column.apply(workflows.completeWorkflow(execId)));
        }
        paths.forEach((path, read) -> assertReadsAs(row, "workflow_states", execId, path, read));
    }

    /** A read that threw: the parts of the message every path must agree on. */
    private record Failure(String problem, String row) {}

    private static final Pattern UNREADABLE =
            Pattern.compile("(\\w+_states row '[^']*').* cannot be read: (.*)", Pattern.DOTALL);

    private static Object outcome(Supplier<Object> read) {
        try {
            return read.get();
        } catch (StoreException e) {
            Matcher parts = UNREADABLE.matcher(e.getMessage());
            return parts.find() ? new Failure(parts.group(2), parts.group(1)) : new Failure(e.getMessage(), null);
        }
    }

    private static void assertReadsAs(Case row, String table, String id, String path, Supplier<Object> read) {
        Object expected = row.error() == null ? row.value() : new Failure(row.error(), table + " row '" + id + "'");
        assertThat(outcome(read)).as(path).isEqualTo(expected);
    }
}
