package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.Component;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TaskUpsertTest extends IntegrationTest {

    @Test
    void insertsANewStateAndReadsItBack() {
        WorkflowExecution execution = execution(workflows);
        TaskState state =
                task(execution, "extract").input(Map.of("source", "db")).build();

        TaskState stored = tasks.upsertState(state);

        assertThat(stored.createdAt()).isNotNull();
        assertThat(stored.updatedAt()).isEqualTo(stored.createdAt());
        assertThat(tasks.getState(state.taskExecId())).isEqualTo(stored);
    }

    @Test
    void updateOverwritesEveryMutableColumnAndANullOutputClearsTheStoredOne() {
        WorkflowExecution execution = execution(workflows);
        TaskState first = tasks.upsertState(task(execution, "extract")
                .status(Status.RUNNING)
                .output(Map.of("rows", 1))
                .error(ExecutionError.of("E1", "boom"))
                .input(Map.of("a", 1))
                .build());

        tasks.upsertState(first.toBuilder()
                .taskId("transform")
                .status(Status.SUCCESS)
                .executionType(ExecutionType.BASIC)
                .component(Component.AGENT)
                .agentId("agent-1")
                .actionId("summarise")
                .input(Map.of("b", 2))
                .output(null)
                .error(null)
                .build());

        TaskState read = tasks.getState(first.taskExecId());
        assertThat(read.taskId()).isEqualTo("transform");
        assertThat(read.status()).isEqualTo(Status.SUCCESS);
        assertThat(read.component()).isEqualTo(Component.AGENT);
        assertThat(read.agentId()).isEqualTo("agent-1");
        assertThat(read.actionId()).isEqualTo("summarise");
        assertThat(read.input()).isEqualTo(Map.of("b", 2));
        assertThat(read.output()).isNull();
        assertThat(read.error()).isNull();
        assertThat(count("SELECT count(*) FROM task_states WHERE output IS NULL AND error IS NULL"))
                .isEqualTo(1);
    }

    @Test
    void updateKeepsCreatedAtAndMovesUpdatedAt() {
        WorkflowExecution execution = execution(workflows);
        TaskState state = tasks.upsertState(task(execution, "extract").build());
        Timestamp createdBefore =
                (Timestamp) scalar("SELECT created_at FROM task_states WHERE task_exec_id = ?", state.taskExecId());
        // Backdate the row so the update's now() is later whatever the clock resolution.
        execute(
                "UPDATE task_states SET updated_at = updated_at - interval '1 hour' WHERE task_exec_id = ?",
                state.taskExecId());

        TaskState updated =
                tasks.upsertState(state.toBuilder().status(Status.RUNNING).build());

        assertThat(scalar("SELECT created_at FROM task_states WHERE task_exec_id = ?", state.taskExecId()))
                .isEqualTo(createdBefore);
        assertThat(updated.createdAt()).isEqualTo(state.createdAt());
        assertThat(updated.updatedAt()).isAfterOrEqualTo(state.updatedAt());
        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE task_exec_id = ? AND updated_at > created_at",
                        state.taskExecId()))
                .isEqualTo(1);
    }

    @Test
    void sixteenThreadsUpsertingTheSameNewIdAllSucceedAndLeaveOneRow() throws Exception {
        WorkflowExecution execution = execution(workflows);
        String id = Id.newId();
        int threads = 16;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<TaskState>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    start.await();
                    return tasks.upsertState(task(execution, "racer")
                            .taskExecId(id)
                            .output(Map.of("writer", n))
                            .build());
                }));
            }
            for (Future<TaskState> result : results) {
                assertThat(result.get().taskExecId()).isEqualTo(id);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(count("SELECT count(*) FROM task_states WHERE task_exec_id = ?", id))
                .isEqualTo(1);
    }

    @Test
    void anUnknownWorkflowExecutionFailsWithTheForeignKeySqlStateAndWritesNothing() {
        TaskState orphan = TaskState.builder()
                .taskExecId(Id.newId())
                .taskId("orphan")
                .workflowExecId("no-such-exec")
                .workflowId("wf")
                .status(Status.PENDING)
                .build();

        assertThatThrownBy(() -> tasks.upsertState(orphan))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.sqlState()).isEqualTo("23503"))
                .hasMessageContaining("upsertState(task_exec_id=" + orphan.taskExecId() + ")")
                .hasMessageContaining("workflow execution 'no-such-exec' does not exist");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aParentThatDoesNotExistIsRejectedNamingTheField() {
        WorkflowExecution execution = execution(workflows);
        TaskState state =
                task(execution, "child").parentStateId("missing-parent").build();

        assertThatThrownBy(() -> tasks.upsertState(state))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parentStateId")
                .hasMessageContaining("missing-parent");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aChildWhoseParentBelongsToAnotherExecutionIsRejected() {
        TaskState parent =
                tasks.upsertState(task(execution(workflows), "parent").build());
        WorkflowExecution other = execution(workflows);
        TaskState stray =
                task(other, "stray").parentStateId(parent.taskExecId()).build();

        assertThatThrownBy(() -> tasks.upsertState(stray))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workflowExecId")
                .hasMessageContaining(parent.taskExecId());
        assertThat(count("SELECT count(*) FROM task_states")).isEqualTo(1);
    }

    @Test
    void aChildUnderAnExistingParentIsWritten() {
        TaskState parent = tasks.upsertState(task(execution(workflows), "parent")
                .executionType(ExecutionType.PARALLEL)
                .build());

        tasks.upsertState(child(parent, "leaf").build());

        assertThat(tasks.listChildren(parent.taskExecId()))
                .extracting(TaskState::taskId)
                .containsExactly("leaf");
    }

    static List<Object[]> invalidStates() {
        return List.of(
                invalid("taskExecId", b -> b.taskExecId(" ")),
                invalid("taskExecId", b -> b.taskExecId(null)),
                invalid("taskId", b -> b.taskId("")),
                invalid("workflowExecId", b -> b.workflowExecId(null)),
                invalid("workflowId", b -> b.workflowId("  ")),
                invalid("status", b -> b.status(null)),
                invalid("component", b -> b.component(null)),
                invalid("executionType", b -> b.executionType(null)),
                invalid("actionId", b -> b.agentId("agent-1")),
                invalid("agentId", b -> b.actionId("act")),
                invalid("toolId", b -> b.agentId("a").actionId("b").toolId("t")),
                invalid(
                        "agentId",
                        b -> b.executionType(ExecutionType.ROUTER).agentId("a").actionId("b")),
                invalid("parentStateId", b -> b.parentStateId("")),
                invalid("parentStateId", b -> b.taskExecId("self").parentStateId("self")));
    }

    private static Object[] invalid(String field, UnaryOperator<TaskState.Builder> change) {
        return new Object[] {field, change};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidStates")
    void invalidStatesFailBeforeAnySqlNamingTheField(String field, UnaryOperator<TaskState.Builder> change) {
        WorkflowExecution execution = execution(workflows);
        TaskState bad = change.apply(task(execution, "bad")).build();

        assertThatThrownBy(() -> tasks.upsertState(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + ":");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aNullStateIsRejected() {
        assertThatThrownBy(() -> tasks.upsertState(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("state: must not be null");
    }

    @Test
    void aToolTaskIsStoredWithComponentTool() {
        WorkflowExecution execution = execution(workflows);
        TaskState state = tasks.upsertState(task(execution, "fetch")
                .toolId("http")
                .component(Component.TASK)
                .build());

        assertThat(tasks.getState(state.taskExecId()).component()).isEqualTo(Component.TOOL);
    }
}
