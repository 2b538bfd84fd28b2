package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.JsonDocuments;
import dev.compozy.store.workflow.ExecutionFilter;
import dev.compozy.store.workflow.WorkflowExecution;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What is written equals what is read, on every path: generated documents go in through every write path
 * (upsertExecution, upsertState with and without a transaction, createChildStatesInTransaction,
 * completeChild) and come back through every read path.
 */
class JsonRoundTripPropertyTest extends IntegrationTest {
    private static final int DOCUMENTS = 25;

    @Test
    void generatedDocumentsReadBackEqualOnEveryPath() {
        JsonDocuments documents = new JsonDocuments(20261125);
        for (int i = 0; i < DOCUMENTS; i++) {
            Map<String, Object> document = documents.object();
            roundTrip("document " + i + ": " + Json.toJsonb(document), document, document, document);
        }
    }

    @Test
    void documentsAtTheLimitsReadBackEqualOnEveryPath() {
        Map<String, Object> numbers = new LinkedHashMap<>();
        numbers.put("beyondLong", new BigInteger("9".repeat(1_000)));
        numbers.put("negativeBeyondLong", new BigInteger("-9223372036854775809"));
        numbers.put("longDecimal", new BigDecimal("3.14159265358979323846264338327950288419716939937510"));
        numbers.put("tiny", Double.MIN_VALUE);
        numbers.put("huge", Double.MAX_VALUE);
        numbers.put("whole", 1e20);
        numbers.put("nulls", new ArrayList<>(java.util.Arrays.asList(null, Map.of(), List.of())));
        Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("absent", null);
        withNull.put("empty", "");
        withNull.put("", "empty key");
        numbers.put("object", withNull);

        roundTrip("numbers and nulls", numbers, numbers, numbers);
        roundTrip("the empty object", Map.of(), Map.of(), Map.of());
        // The error column holds {message, code, details}: its details may be one level less deep.
        roundTrip(
                "nesting at the limit",
                JsonDocuments.nested(Json.MAX_DEPTH),
                JsonDocuments.nested(Json.MAX_DEPTH),
                JsonDocuments.nested(Json.MAX_DEPTH - 1));
    }

    @Test
    void aStringAtTheLengthLimitReadsBackEqualOnEveryPath() {
        Map<String, Object> longest = Map.of("s", "x".repeat(Json.MAX_STRING_LENGTH));
        roundTrip("a string of " + Json.MAX_STRING_LENGTH + " characters", longest, Map.of("small", 1), null);
    }

    /**
     * Writes {@code input} and {@code output} (and an error whose details are {@code details}) through every
     * write path, then reads every row back through every read path.
     */
    private void roundTrip(
            String description, Map<String, Object> input, Map<String, Object> output, Map<String, Object> details) {
        ExecutionError error = new ExecutionError("failed: " + description.length(), "CODE", details);
        WorkflowExecution execution = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(Id.newId())
                .workflowId("round-trip")
                .status(Status.RUNNING)
                .input(input)
                .output(output)
                .error(error)
                .build());
        TaskState parent = tasks.upsertState(task(execution, "parent")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .input(input)
                .output(output)
                .error(error)
                .build());
        TaskState queued = task(execution, "queued")
                .input(input)
                .output(output)
                .error(error)
                .build();
        tasks.withTx(tx -> tasks.upsertState(tx, queued));
        tasks.createChildStatesInTransaction(
                parent.taskExecId(),
                List.of(child(parent, "batched")
                        .input(input)
                        .output(output)
                        .error(error)
                        .build()));
        tasks.completeChild(
                child(parent, "completed")
                        .status(Status.SUCCESS)
                        .input(input)
                        .output(output)
                        .error(error)
                        .build(),
                CompletionStrategy.WAIT_ALL);

        Expected expected = new Expected(description, input, output, error);
        String execId = execution.workflowExecId();
        List<String> ids = new ArrayList<>();
        tasks.listStates(TaskStateFilter.builder().workflowExecId(execId).build())
                .forEach(state -> {
                    expected.check("listStates", state);
                    ids.add(state.taskExecId());
                });
        assertThat(ids).as(description).hasSize(4);
        for (String id : ids) {
            expected.check("getState", tasks.getState(id));
            TaskState locked = tasks.fromTx(tx -> tasks.getStateForUpdate(tx, id));
            expected.check("getStateForUpdate", locked);
        }
        tasks.forEachState(
                TaskStateFilter.builder().workflowExecId(execId).build(),
                state -> expected.check("forEachState", state));
        tasks.listTasksInWorkflow(execId).values().forEach(state -> expected.check("listTasksInWorkflow", state));
        tasks.getTaskTree(parent.taskExecId()).forEach(state -> expected.check("getTaskTree", state));
        tasks.listChildren(parent.taskExecId()).forEach(state -> expected.check("listChildren", state));
        assertThat(tasks.listChildrenOutputs(parent.taskExecId()))
                .as(description + ", listChildrenOutputs")
                .containsOnlyKeys("batched", "completed")
                .allSatisfy((taskId, read) -> assertThat(read).isEqualTo(output));
        expected.check("getExecution", workflows.getExecution(execId));
        List<WorkflowExecution> listed = workflows.listExecutions(
                ExecutionFilter.builder().workflowExecId(execId).build());
        assertThat(listed).as(description).hasSize(1);
        expected.check("listExecutions", listed.get(0));
        List<TaskState> claimed = tasks.claimPendingTasks(execId, 10);
        assertThat(claimed).as(description).extracting(TaskState::taskId).contains("queued");
        claimed.forEach(state -> expected.check("claimPendingTasks", state));
    }

    private record Expected(
            String description, Map<String, Object> input, Map<String, Object> output, ExecutionError error) {
        void check(String path, TaskState state) {
            String where = description + ", " + path + ", task " + state.taskId();
            assertThat(state.input()).as(where + ", input").isEqualTo(input);
            assertThat(state.output()).as(where + ", output").isEqualTo(output);
            assertThat(state.error()).as(where + ", error").isEqualTo(error);
        }

        void check(String path, WorkflowExecution execution) {
            String where = description + ", " + path;
            assertThat(execution.input()).as(where + ", input").isEqualTo(input);
            assertThat(execution.output()).as(where + ", output").isEqualTo(output);
            assertThat(execution.error()).as(where + ", error").isEqualTo(error);
            assertThat(execution.tasks()).as(where).hasSize(4);
            execution.tasks().values().forEach(state -> check(path + " tasks", state));
        }
    }
}
