package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowNotReadyException;
import dev.compozy.store.workflow.WorkflowRepository;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The seven ways data was lost or made unreadable at the boundary, one test each: each failed on the
 * store before the single JSON codec.
 */
class LosslessBoundaryTest extends IntegrationTest {

    @Test
    void idsThatDifferOnlyByAnUnpairedSurrogateAreRefusedInsteadOfBecomingOneRow() {
        WorkflowExecution execution = execution(workflows);

        for (String id : List.of("x\uD800", "x\uDC00")) {
            assertThatThrownBy(() -> tasks.upsertState(
                            task(execution, "step").taskExecId(id).build()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("taskExecId: must not contain an unpaired UTF-16 surrogate");
        }
        assertThatThrownBy(() -> tasks.upsertState(task(execution, "step")
                        .input(Map.of("k\uD800", 1, "k\uDC00", 2))
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired UTF-16 surrogate");
        assertThatThrownBy(() -> tasks.listStates(
                        TaskStateFilter.builder().taskId("x\uD800").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("taskId:");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void theLockPathGivesTheSameTypedErrorAsThePlainReadForANonObjectInput() {
        TaskState state = tasks.upsertState(task(execution(workflows), "step").build());
        execute(
                "UPDATE task_states SET input = '[1, 2]', error = '\"boom\"' WHERE task_exec_id = ?",
                state.taskExecId());

        String plain = messageOf(() -> tasks.getState(state.taskExecId()));
        String locked = messageOf(() -> tasks.fromTx(tx -> tasks.getStateForUpdate(tx, state.taskExecId())));

        assertThat(plain)
                .contains("task_states row '" + state.taskExecId() + "'")
                .contains("input: not a JSON object but an array");
        assertThat(locked).isEqualTo(plain.replace("getState(", "getStateForUpdate("));
    }

    @Test
    void lockModifyWriteKeepsADocumentTheOldLockPathCouldNotMap() {
        TaskState state = tasks.upsertState(task(execution(workflows), "step").build());
        String digits = "7".repeat(1_001);
        String deep = "[".repeat(700) + "]".repeat(700);
        execute(
                "UPDATE task_states SET input = ?::jsonb WHERE task_exec_id = ?",
                "{\"n\": " + digits + ", \"deep\": " + deep + "}",
                state.taskExecId());

        tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, state.taskExecId());
            tasks.upsertState(tx, locked.toBuilder().status(Status.RUNNING).build());
        });

        assertThat(scalar(
                        "SELECT input = ?::jsonb FROM task_states WHERE task_exec_id = ?",
                        "{\"n\": " + digits + ", \"deep\": " + deep + "}",
                        state.taskExecId()))
                .isEqualTo(true);
        assertThat(tasks.getState(state.taskExecId()).input().get("n")).isEqualTo(new BigInteger(digits));
    }

    @Test
    void aJsonNullDocumentReadsAsAbsentOnEveryPath() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(task(execution, "parent").build());
        TaskState kid =
                tasks.upsertState(child(parent, "kid").status(Status.SUCCESS).build());
        execute("UPDATE task_states SET input = 'null', output = 'null', error = 'null'");
        execute("UPDATE workflow_states SET input = 'null', output = 'null', error = 'null'");

        TaskState read = tasks.getState(kid.taskExecId());
        assertThat(read.input()).isNull();
        assertThat(read.output()).isNull();
        assertThat(read.error()).isNull();
        TaskState locked = tasks.fromTx(tx -> tasks.getStateForUpdate(tx, kid.taskExecId()));
        assertThat(locked).isEqualTo(read);
        assertThat(tasks.listTasksInWorkflow(execution.workflowExecId()).get("kid"))
                .isEqualTo(read);
        assertThat(tasks.listChildrenOutputs(parent.taskExecId())).isEmpty();
        assertThat(workflows.getExecution(execution.workflowExecId()).input()).isNull();

        tasks.upsertState(parent.toBuilder().status(Status.SUCCESS).build());
        assertThat(workflows.completeWorkflow(execution.workflowExecId()).status())
                .isEqualTo(Status.SUCCESS);
    }

    @Test
    void aTwentyFiveMebibyteErrorMessageIsStoredAndReadBackOnEveryPath() {
        WorkflowExecution execution = execution(workflows);
        ExecutionError error = new ExecutionError("e".repeat(25 * 1024 * 1024), "HUGE", null);
        TaskState state = tasks.upsertState(
                task(execution, "step").status(Status.FAILED).error(error).build());

        assertThat(tasks.getState(state.taskExecId()).error()).isEqualTo(error);
        assertThat(tasks.listTasksInWorkflow(execution.workflowExecId())
                        .get("step")
                        .error())
                .isEqualTo(error);
        assertThat(workflows
                        .getExecution(execution.workflowExecId())
                        .tasks()
                        .get("step")
                        .error())
                .isEqualTo(error);
    }

    @Test
    void completeWorkflowFailsWithAStoredErrorWhenTheDefaultOutputWouldBeTooDeep() {
        WorkflowExecution execution = execution(workflows);
        Map<String, Object> deep = new HashMap<>();
        for (int level = 1; level < 1_000; level++) {
            deep = Map.<String, Object>of("d", deep);
        }
        tasks.upsertState(
                task(execution, "step").status(Status.SUCCESS).output(deep).build());

        WorkflowExecution completed = workflows.completeWorkflow(execution.workflowExecId());

        assertThat(completed.status()).isEqualTo(Status.FAILED);
        assertThat(completed.error().code()).isEqualTo(WorkflowRepository.OUTPUT_NOT_STORABLE);
        assertThat(completed.error().message()).contains("nested deeper than the limit");
        WorkflowExecution stored = workflows.getExecution(execution.workflowExecId());
        assertThat(stored.status()).isEqualTo(Status.FAILED);
        assertThat(stored.error()).isEqualTo(completed.error());
        assertThat(stored.output()).isNull();
    }

    @Test
    void completeWorkflowIsNotReadyWhileATopLevelTaskRunsThoughANewerChildSharesItsTaskId() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "step").status(Status.RUNNING).build());
        TaskState fanOut = tasks.upsertState(
                task(execution, "fan-out").status(Status.SUCCESS).build());
        tasks.upsertState(child(fanOut, "step").status(Status.SUCCESS).build());

        assertThatThrownBy(() -> workflows.completeWorkflow(execution.workflowExecId()))
                .isInstanceOfSatisfying(
                        WorkflowNotReadyException.class,
                        e -> assertThat(e.getMessage()).contains("step"));
        assertThat(workflows.getExecution(execution.workflowExecId()).status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void valuesThatAreNotJsonAreRefusedNamingTheirPathInsteadOfCoerced() {
        WorkflowExecution execution = execution(workflows);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("ok", 1);
        nested.put("lambda", (Supplier<String>) () -> "x");

        assertRefused(execution, Map.of("ratio", Double.NaN), "input.ratio: NaN is not a JSON number");
        assertRefused(
                execution, Map.of("ratio", Double.POSITIVE_INFINITY), "input.ratio: Infinity is not a JSON number");
        assertRefused(execution, Map.of("items", List.of(1, nested)), "input.items[1].lambda: ");
        assertRefused(execution, Map.of("thing", new Object()), "input.thing: java.lang.Object is not a JSON value");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aBigDecimalWithMoreDigitsThanADoubleKeepsEveryDigit() {
        BigDecimal exact = new BigDecimal("0.1000000000000000055511151231257827021181583404541015625");
        TaskState state = tasks.upsertState(
                task(execution(workflows), "step").input(Map.of("price", exact)).build());

        assertThat(tasks.getState(state.taskExecId()).input().get("price")).isEqualTo(exact);
        assertThat(tasks.fromTx(tx -> tasks.getStateForUpdate(tx, state.taskExecId()))
                        .input()
                        .get("price"))
                .isEqualTo(exact);
    }

    private void assertRefused(WorkflowExecution execution, Map<String, Object> input, String message) {
        assertThatThrownBy(() ->
                        tasks.upsertState(task(execution, "step").input(input).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    private static String messageOf(Runnable read) {
        try {
            read.run();
        } catch (StoreException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a StoreException");
    }
}
