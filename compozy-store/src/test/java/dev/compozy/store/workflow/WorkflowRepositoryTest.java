package dev.compozy.store.workflow;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Upserts, lookups with tasks, listing, status updates and deletion. */
class WorkflowRepositoryTest extends IntegrationTest {

    private void setTimes(WorkflowExecution execution, String createdAt, String updatedAt) {
        execute(
                "UPDATE workflow_states SET created_at = ?::timestamptz, updated_at = ?::timestamptz"
                        + " WHERE workflow_exec_id = ?",
                createdAt,
                updatedAt,
                execution.workflowExecId());
    }

    @Test
    void anUpsertOverwritesEveryColumnKeepsCreatedAtAndNeverWritesTasks() {
        WorkflowExecution first = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId("wf-1")
                .workflowId("a")
                .status(Status.RUNNING)
                .input(Map.of("k", 1))
                .output(Map.of("o", 1))
                .error(ExecutionError.of("E", "e"))
                .build());
        execute("UPDATE workflow_states SET updated_at = updated_at - interval '1 hour'");
        TaskState stray = TaskState.builder()
                .taskExecId("t")
                .taskId("t")
                .workflowExecId("wf-1")
                .workflowId("a")
                .status(Status.PENDING)
                .build();

        WorkflowExecution second = workflows.upsertExecution(first.toBuilder()
                .workflowId("b")
                .status(Status.FAILED)
                .input(null)
                .output(Map.of())
                .error(null)
                .tasks(Map.of("t", stray))
                .build());

        WorkflowExecution read = workflows.getExecution("wf-1");
        assertThat(read.workflowId()).isEqualTo("b");
        assertThat(read.status()).isEqualTo(Status.FAILED);
        assertThat(read.input()).isNull();
        assertThat(read.output()).isEmpty();
        assertThat(read.error()).isNull();
        assertThat(read.createdAt()).isEqualTo(first.createdAt());
        assertThat(read.updatedAt()).isEqualTo(second.updatedAt());
        assertThat(count("SELECT count(*) FROM workflow_states WHERE updated_at >= created_at"))
                .isEqualTo(1);
        assertThat(read.tasks()).isEmpty();
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    static List<Object[]> invalidExecutions() {
        return List.<Object[]>of(
                new Object[] {"workflowExecId", (UnaryOperator<WorkflowExecution.Builder>) b -> b.workflowExecId(" ")},
                new Object[] {"workflowId", (UnaryOperator<WorkflowExecution.Builder>) b -> b.workflowId(null)},
                new Object[] {"status", (UnaryOperator<WorkflowExecution.Builder>) b -> b.status(null)});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidExecutions")
    void invalidExecutionsFailBeforeAnySqlNamingTheField(
            String field, UnaryOperator<WorkflowExecution.Builder> change) {
        WorkflowExecution bad = change.apply(WorkflowExecution.builder()
                        .workflowExecId(Id.newId())
                        .workflowId("wf")
                        .status(Status.RUNNING))
                .build();

        assertThatThrownBy(() -> workflows.upsertExecution(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + ":");
        assertThatThrownBy(() -> workflows.upsertExecution(null)).hasMessage("execution: must not be null");
        assertThat(count("SELECT count(*) FROM workflow_states")).isZero();
    }

    @Test
    void getExecutionReturnsTheTasksMapWithTheNewestRowPerTaskId() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "parent").executionType(ExecutionType.PARALLEL).build());
        tasks.upsertState(child(parent, "child").build());
        TaskState older = tasks.upsertState(task(execution, "retry").build());
        TaskState newer = tasks.upsertState(
                task(execution, "retry").status(Status.RUNNING).build());
        execute(
                "UPDATE task_states SET created_at = created_at - interval '1 minute' WHERE task_exec_id = ?",
                older.taskExecId());

        WorkflowExecution read = workflows.getExecution(execution.workflowExecId());

        assertThat(read.tasks()).containsOnlyKeys("parent", "child", "retry");
        assertThat(read.tasks().get("retry").taskExecId()).isEqualTo(newer.taskExecId());
    }

    @Test
    void getExecutionReadsRowAndTasksInOneAutoCommittedStatement() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "first").build());
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        WorkflowExecution read;
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            read = recorded.workflowRepository().getExecution(execution.workflowExecId());
        }

        assertThat(read.tasks()).containsOnlyKeys("first");
        assertThat(recorder.executions())
                .as("one statement, no transaction")
                .singleElement()
                .satisfies(e -> assertThat(e.sql())
                        .contains("FROM workflow_states WHERE workflow_exec_id = ?")
                        .contains("FROM task_states"));
    }

    @Test
    void getExecutionOfAMissingIdThrowsNotFoundCarryingTheId() {
        assertThatThrownBy(() -> workflows.getExecution("ghost"))
                .isInstanceOfSatisfying(
                        WorkflowNotFoundException.class, e -> assertThat(e.id()).isEqualTo("ghost"));
        assertThatThrownBy(() -> workflows.getExecution("")).hasMessage("workflowExecId: must not be blank");
    }

    @Test
    void listExecutionsFiltersByStatusWorkflowIdExecIdAndTimeRanges() {
        WorkflowExecution a = execution(workflows, "alpha");
        WorkflowExecution b = execution(workflows, "alpha");
        WorkflowExecution c = execution(workflows, "beta");
        workflows.updateStatus(b.workflowExecId(), Status.SUCCESS);
        setTimes(a, "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z");
        setTimes(b, "2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z");
        setTimes(c, "2026-01-03T00:00:00Z", "2026-01-03T00:00:00Z");

        assertThat(ids(ExecutionFilter.builder().workflowId("alpha").build()))
                .containsExactly(a.workflowExecId(), b.workflowExecId());
        assertThat(ids(ExecutionFilter.builder().status(Status.SUCCESS).build()))
                .containsExactly(b.workflowExecId());
        assertThat(ids(ExecutionFilter.builder()
                        .workflowExecId(c.workflowExecId())
                        .build()))
                .containsExactly(c.workflowExecId());
        assertThat(ids(ExecutionFilter.builder()
                        .createdFrom(java.time.Instant.parse("2026-01-02T00:00:00Z"))
                        .createdBefore(java.time.Instant.parse("2026-01-03T00:00:00Z"))
                        .build()))
                .containsExactly(b.workflowExecId());
        assertThat(ids(ExecutionFilter.builder()
                        .updatedFrom(java.time.Instant.parse("2026-01-04T00:00:00Z"))
                        .build()))
                .containsExactly(a.workflowExecId(), b.workflowExecId());
        assertThat(ids(ExecutionFilter.builder()
                        .updatedBefore(java.time.Instant.parse("2026-01-04T00:00:00Z"))
                        .build()))
                .containsExactly(c.workflowExecId());
        assertThat(ids(ExecutionFilter.all()))
                .containsExactly(a.workflowExecId(), b.workflowExecId(), c.workflowExecId());
    }

    private List<String> ids(ExecutionFilter filter) {
        return workflows.listExecutions(filter).stream()
                .map(WorkflowExecution::workflowExecId)
                .toList();
    }

    @Test
    void listExecutionsPagesByKeyNewestUpdateFirstWithTheIdAsTieBreaker() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            WorkflowExecution e = execution(workflows);
            setTimes(e, "2026-01-01T00:00:00Z", "2026-01-01T00:00:" + String.format("%02d", i / 3) + "Z");
            all.add(e.workflowExecId());
        }
        ExecutionFilter page = ExecutionFilter.builder().limit(5).build();
        List<WorkflowExecution> seen = new ArrayList<>();
        List<WorkflowExecution> current = workflows.listExecutions(page);
        while (!current.isEmpty()) {
            seen.addAll(current);
            current = workflows.listExecutions(page.nextPage(current.get(current.size() - 1)));
        }

        assertThat(seen)
                .extracting(WorkflowExecution::workflowExecId)
                .containsExactlyInAnyOrderElementsOf(all)
                .doesNotHaveDuplicates();
        assertThat(seen)
                .isSortedAccordingTo((x, y) -> x.updatedAt().equals(y.updatedAt())
                        ? y.workflowExecId().compareTo(x.workflowExecId())
                        : y.updatedAt().compareTo(x.updatedAt()));
    }

    @Test
    void aPageOfFiftyExecutionsLoadsAllTheirTasksInTheSameStatement() {
        for (int i = 0; i < 60; i++) {
            WorkflowExecution e = execution(workflows);
            tasks.upsertState(task(e, "first").build());
            tasks.upsertState(task(e, "second").build());
        }
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        List<WorkflowExecution> page;
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            page = recorded.workflowRepository()
                    .listExecutions(ExecutionFilter.builder().limit(50).build());
        }

        assertThat(page).hasSize(50).allSatisfy(e -> assertThat(e.tasks()).containsOnlyKeys("first", "second"));
        assertThat(recorder.executions())
                .as("one statement, no transaction")
                .singleElement()
                .satisfies(e ->
                        assertThat(e.sql()).contains("FROM workflow_states").contains("FROM task_states"));
    }

    @Test
    void updateStatusChangesTheStatusOrThrowsNotFound() {
        WorkflowExecution execution = execution(workflows);
        execute("UPDATE workflow_states SET updated_at = updated_at - interval '1 hour'");

        workflows.updateStatus(execution.workflowExecId(), Status.PAUSED);

        assertThat(workflows.getExecution(execution.workflowExecId()).status()).isEqualTo(Status.PAUSED);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE updated_at > now() - interval '1 minute'"))
                .isEqualTo(1);
        assertThatThrownBy(() -> workflows.updateStatus("ghost", Status.RUNNING))
                .isInstanceOfSatisfying(
                        WorkflowNotFoundException.class, e -> assertThat(e.id()).isEqualTo("ghost"));
        assertThatThrownBy(() -> workflows.updateStatus(execution.workflowExecId(), null))
                .hasMessage("status: must not be null");
    }

    @Test
    void lookupsByWorkflowTaskAgentAndToolReturnTheNewestMatchingExecution() {
        WorkflowExecution old = execution(workflows, "pipeline");
        WorkflowExecution recent = execution(workflows, "pipeline");
        execution(workflows, "other");
        setTimes(old, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        setTimes(recent, "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z");
        tasks.upsertState(
                task(old, "extract").agentId("agent-7").actionId("run").build());
        tasks.upsertState(task(old, "fetch").toolId("http").build());
        tasks.upsertState(task(recent, "load").build());

        assertThat(workflows.getExecutionByWorkflowId("pipeline").workflowExecId())
                .isEqualTo(recent.workflowExecId());
        WorkflowExecution byTask = workflows.getExecutionByTaskId("pipeline", "extract");
        assertThat(byTask.workflowExecId()).isEqualTo(old.workflowExecId());
        assertThat(byTask.tasks()).containsOnlyKeys("extract", "fetch");
        assertThat(workflows.getExecutionByAgentId("pipeline", "agent-7").workflowExecId())
                .isEqualTo(old.workflowExecId());
        assertThat(workflows.getExecutionByToolId("pipeline", "http").workflowExecId())
                .isEqualTo(old.workflowExecId());
        assertThatThrownBy(() -> workflows.getExecutionByWorkflowId("nobody"))
                .isInstanceOfSatisfying(
                        WorkflowNotFoundException.class, e -> assertThat(e.id()).isEqualTo("nobody"));
        assertThatThrownBy(() -> workflows.getExecutionByTaskId("pipeline", "missing"))
                .isInstanceOf(WorkflowNotFoundException.class)
                .hasMessageContaining("has task 'missing'");
        assertThatThrownBy(() -> workflows.getExecutionByAgentId("pipeline", "nope"))
                .isInstanceOf(WorkflowNotFoundException.class);
        assertThatThrownBy(() -> workflows.getExecutionByToolId("pipeline", "nope"))
                .isInstanceOf(WorkflowNotFoundException.class);
    }

    @Test
    void equalCreationTimesAreBrokenByTheIdDeterministically() {
        WorkflowExecution a = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId("exec-a")
                .workflowId("same")
                .status(Status.RUNNING)
                .build());
        WorkflowExecution b = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId("exec-b")
                .workflowId("same")
                .status(Status.RUNNING)
                .build());
        setTimes(a, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        setTimes(b, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");

        assertThat(workflows.getExecutionByWorkflowId("same").workflowExecId()).isEqualTo("exec-b");
    }

    @Test
    void deletingAnExecutionRemovesItsWholeTaskTree() {
        WorkflowExecution execution = execution(workflows);
        WorkflowExecution survivor = execution(workflows);
        TaskState root = tasks.upsertState(
                task(execution, "root").executionType(ExecutionType.PARALLEL).build());
        TaskState middle = tasks.upsertState(
                child(root, "middle").executionType(ExecutionType.PARALLEL).build());
        tasks.upsertState(child(middle, "leaf").build());
        tasks.upsertState(task(survivor, "kept").build());

        workflows.deleteExecution(execution.workflowExecId());

        assertThat(count("SELECT count(*) FROM task_states WHERE workflow_exec_id = ?", execution.workflowExecId()))
                .isZero();
        assertThat(count("SELECT count(*) FROM task_states")).isEqualTo(1);
        assertThatThrownBy(() -> workflows.getExecution(execution.workflowExecId()))
                .isInstanceOf(WorkflowNotFoundException.class);
        assertThatThrownBy(() -> workflows.deleteExecution(execution.workflowExecId()))
                .isInstanceOf(WorkflowNotFoundException.class);
    }

    @Test
    void blankArgumentsAreRejectedBeforeAnySqlNamingTheField() {
        assertThatThrownBy(() -> workflows.completeWorkflow(" ")).hasMessage("workflowExecId: must not be blank");
        assertThatThrownBy(() -> workflows.deleteExecution(null)).hasMessage("workflowExecId: must not be blank");
        assertThatThrownBy(() -> workflows.getExecutionByWorkflowId("")).hasMessage("workflowId: must not be blank");
        assertThatThrownBy(() -> workflows.getExecutionByTaskId("wf", "")).hasMessage("taskId: must not be blank");
        assertThatThrownBy(() -> workflows.getExecutionByAgentId("wf", null)).hasMessage("agentId: must not be blank");
        assertThatThrownBy(() -> workflows.getExecutionByToolId("wf", " ")).hasMessage("toolId: must not be blank");
        assertThatThrownBy(() -> workflows.listExecutions(null)).hasMessage("filter: must not be null");
        assertThatThrownBy(() -> ExecutionFilter.builder().limit(0).build()).hasMessageStartingWith("limit:");
    }
}
