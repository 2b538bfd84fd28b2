package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Lookups and lists: filters, ordering, newest-wins rules, pagination and streaming. */
class TaskQueryTest extends IntegrationTest {

    /** Sets created_at explicitly, so ordering tests do not depend on the clock between statements. */
    private void createdAt(TaskState state, String timestamp) {
        execute(
                "UPDATE task_states SET created_at = ?::timestamptz WHERE task_exec_id = ?",
                timestamp,
                state.taskExecId());
    }

    @Test
    void getStateOfAMissingIdThrowsNotFoundCarryingTheId() {
        assertThatThrownBy(() -> tasks.getState("nope")).isInstanceOfSatisfying(TaskNotFoundException.class, e -> {
            assertThat(e.taskExecId()).isEqualTo("nope");
            assertThat(e.operation()).isEqualTo("getState");
        });
    }

    @Test
    void blankIdsAreRejectedBeforeAnySql() {
        assertThatThrownBy(() -> tasks.getState(" ")).hasMessage("taskExecId: must not be blank");
        assertThatThrownBy(() -> tasks.listChildren(null)).hasMessage("parentStateId: must not be blank");
        assertThatThrownBy(() -> tasks.getTaskTree("")).hasMessage("rootStateId: must not be blank");
        assertThatThrownBy(() -> tasks.getProgressInfo("")).hasMessage("parentStateId: must not be blank");
        assertThatThrownBy(() -> tasks.listTasksInWorkflow("")).hasMessage("workflowExecId: must not be blank");
        assertThatThrownBy(() -> tasks.listTasksByStatus("x", null)).hasMessage("status: must not be null");
        assertThatThrownBy(() -> tasks.getChildByTaskId("p", " ")).hasMessage("taskId: must not be blank");
        assertThatThrownBy(() -> tasks.listStates(null)).hasMessage("filter: must not be null");
    }

    @Test
    void aRowWithAnUnknownStatusIsAReadErrorNamingTheRow() {
        TaskState state = tasks.upsertState(task(execution(workflows), "t").build());
        execute("UPDATE task_states SET status = 'DONE' WHERE task_exec_id = ?", state.taskExecId());

        assertThatThrownBy(() -> tasks.getState(state.taskExecId()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("task_states row '" + state.taskExecId() + "'")
                .hasMessageContaining("unknown status 'DONE'");
        assertThatThrownBy(() -> tasks.listStates(TaskStateFilter.all())).hasMessageContaining("unknown status 'DONE'");
    }

    @Test
    void aRowWithAnAgentButNoActionIsAReadError() {
        TaskState state = tasks.upsertState(task(execution(workflows), "t")
                .executionType(ExecutionType.PARALLEL)
                .build());
        execute("UPDATE task_states SET agent_id = 'a1' WHERE task_exec_id = ?", state.taskExecId());

        assertThatThrownBy(() -> tasks.getState(state.taskExecId()))
                .hasMessageContaining("agent_id 'a1' is set but action_id is missing");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterFields")
    void eachFilterFieldSelectsExactlyTheMatchingRows(String field) {
        WorkflowExecution mine = execution(workflows, "wf-a");
        WorkflowExecution other = execution(workflows, "wf-b");
        TaskState parent = tasks.upsertState(
                task(mine, "parent").executionType(ExecutionType.COLLECTION).build());
        TaskState target = tasks.upsertState(child(parent, "target")
                .status(Status.RUNNING)
                .agentId("agent-1")
                .actionId("act-1")
                .build());
        tasks.upsertState(
                task(mine, "tooling").toolId("tool-1").status(Status.FAILED).build());
        tasks.upsertState(task(other, "noise").status(Status.SUCCESS).build());
        TaskStateFilter.Builder filter = TaskStateFilter.builder();
        List<String> expected = switch (field) {
            case "status" -> {
                filter.status(Status.RUNNING);
                yield List.of("target");
            }
            case "workflowId" -> {
                filter.workflowId("wf-b");
                yield List.of("noise");
            }
            case "workflowExecId" -> {
                filter.workflowExecId(mine.workflowExecId());
                yield List.of("parent", "target", "tooling");
            }
            case "taskId" -> {
                filter.taskId("tooling");
                yield List.of("tooling");
            }
            case "taskExecId" -> {
                filter.taskExecId(target.taskExecId());
                yield List.of("target");
            }
            case "parentStateId" -> {
                filter.parentStateId(parent.taskExecId());
                yield List.of("target");
            }
            case "agentId" -> {
                filter.agentId("agent-1");
                yield List.of("target");
            }
            case "actionId" -> {
                filter.actionId("act-1");
                yield List.of("target");
            }
            case "toolId" -> {
                filter.toolId("tool-1");
                yield List.of("tooling");
            }
            case "executionType" -> {
                filter.executionType(ExecutionType.COLLECTION);
                yield List.of("parent");
            }
            default -> throw new IllegalArgumentException(field);
        };

        assertThat(tasks.listStates(filter.build()))
                .extracting(TaskState::taskId)
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    static List<String> filterFields() {
        return List.of(
                "status",
                "workflowId",
                "workflowExecId",
                "taskId",
                "taskExecId",
                "parentStateId",
                "agentId",
                "actionId",
                "toolId",
                "executionType");
    }

    @Test
    void filtersCombineWithAnd() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "a").status(Status.RUNNING).build());
        TaskState match =
                tasks.upsertState(task(execution, "b").status(Status.RUNNING).build());
        tasks.upsertState(task(execution, "b").status(Status.PENDING).build());

        assertThat(tasks.listStates(TaskStateFilter.builder()
                        .taskId("b")
                        .status(Status.RUNNING)
                        .build()))
                .extracting(TaskState::taskExecId)
                .containsExactly(match.taskExecId());
    }

    @Test
    void aFilterValueIsBoundNotSpliced() {
        WorkflowExecution execution = execution(workflows);
        tasks.upsertState(task(execution, "a").build());

        assertThat(tasks.listStates(
                        TaskStateFilter.builder().taskId("a' OR '1'='1").build()))
                .isEmpty();
        assertThat(count("SELECT count(*) FROM task_states")).isEqualTo(1);
    }

    @Test
    void keysetPagesWalkEveryRowOnceInCreationOrder() {
        WorkflowExecution execution = execution(workflows);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            TaskState state = tasks.upsertState(task(execution, "t" + i).build());
            // Pairs share a timestamp so the id tie-breaker is exercised.
            createdAt(state, "2026-01-01T00:00:" + String.format("%02d", i / 2) + "Z");
            written.add(state.taskExecId());
        }
        TaskStateFilter page = TaskStateFilter.builder()
                .workflowExecId(execution.workflowExecId())
                .limit(10)
                .build();
        List<TaskState> all = new ArrayList<>();
        List<TaskState> current = tasks.listStates(page);
        while (!current.isEmpty()) {
            assertThat(current).hasSizeLessThanOrEqualTo(10);
            all.addAll(current);
            current = tasks.listStates(page.nextPage(current.get(current.size() - 1)));
        }

        assertThat(all)
                .extracting(TaskState::taskExecId)
                .containsExactlyInAnyOrderElementsOf(written)
                .doesNotHaveDuplicates();
        assertThat(all)
                .isSortedAccordingTo((x, y) -> x.createdAt().equals(y.createdAt())
                        ? x.taskExecId().compareTo(y.taskExecId())
                        : x.createdAt().compareTo(y.createdAt()));
    }

    @Test
    void forEachStateStreamsEveryMatchingRowInListOrder() {
        WorkflowExecution execution = execution(workflows);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id, input)
                SELECT 'task', 'PENDING', 'bulk-' || lpad(g::text, 6, '0'), 't' || g, ?, 'wf', jsonb_build_object('n', g)
                FROM generate_series(1, 5000) g""", execution.workflowExecId());
        List<String> seen = new ArrayList<>();

        tasks.forEachState(
                TaskStateFilter.builder()
                        .workflowExecId(execution.workflowExecId())
                        .build(),
                state -> seen.add(state.taskExecId()));

        assertThat(seen).hasSize(5000).doesNotHaveDuplicates();
        assertThat(seen)
                .containsExactlyElementsOf(
                        tasks
                                .listStates(TaskStateFilter.builder()
                                        .workflowExecId(execution.workflowExecId())
                                        .build())
                                .stream()
                                .map(TaskState::taskExecId)
                                .toList());
    }

    @Test
    void listTasksInWorkflowCoversAllDepthsAndTheNewestRowWinsOnARepeatedTaskId() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "parent").executionType(ExecutionType.PARALLEL).build());
        TaskState grandchildParent = tasks.upsertState(
                child(parent, "child").executionType(ExecutionType.COMPOSITE).build());
        tasks.upsertState(child(grandchildParent, "grandchild").build());
        TaskState older = tasks.upsertState(
                task(execution, "retry").taskExecId("zzz-older").build());
        TaskState newer = tasks.upsertState(
                task(execution, "retry").taskExecId("aaa-newer").build());
        createdAt(older, "2026-01-01T00:00:00Z");
        createdAt(newer, "2026-01-01T00:00:01Z");
        TaskState tieA =
                tasks.upsertState(task(execution, "tie").taskExecId("tie-a").build());
        TaskState tieB =
                tasks.upsertState(task(execution, "tie").taskExecId("tie-b").build());
        createdAt(tieA, "2026-01-01T00:00:00Z");
        createdAt(tieB, "2026-01-01T00:00:00Z");

        Map<String, TaskState> map = tasks.listTasksInWorkflow(execution.workflowExecId());

        assertThat(map).containsOnlyKeys("parent", "child", "grandchild", "retry", "tie");
        assertThat(map.get("retry").taskExecId()).isEqualTo("aaa-newer");
        assertThat(map.get("tie").taskExecId()).isEqualTo("tie-b");
        assertThat(tasks.listTasksInWorkflow("unknown")).isEmpty();
    }

    @Test
    void listTasksInWorkflowsReadsResultsBiggerThanOneFetchAndTheNewestRowWinsAcrossFetches() {
        // 12,000 tasks per execution, each written twice: the older rows first, so every newer row arrives
        // in a later fetch of the cursor (10,000 rows each) than the row it replaces.
        WorkflowExecution first = execution(workflows);
        WorkflowExecution second = execution(workflows);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,
                                         input, created_at)
                SELECT 'task', CASE WHEN round = 1 THEN 'RUNNING' ELSE 'SUCCESS' END,
                       e.id || '-' || round || '-' || g, 't' || g, e.id, e.wf, jsonb_build_object('n', g, 'round', round),
                       timestamptz '2026-01-01' + round * interval '1 minute'
                FROM generate_series(1, 2) round, generate_series(1, 12000) g,
                     (VALUES (?, 'wf-first'), (?, 'wf-second')) e(id, wf)
                ORDER BY round, g, e.id""", first.workflowExecId(), second.workflowExecId());

        Map<String, Map<String, TaskState>> byExecution =
                tasks.listTasksInWorkflows(List.of(first.workflowExecId(), second.workflowExecId()));

        for (WorkflowExecution execution : List.of(first, second)) {
            Map<String, TaskState> states = byExecution.get(execution.workflowExecId());
            assertThat(states).hasSize(12000);
            assertThat(states.values()).allSatisfy(state -> {
                assertThat(state.taskExecId())
                        .isEqualTo(execution.workflowExecId() + "-2-"
                                + state.taskId().substring(1));
                assertThat(state.status()).isEqualTo(Status.SUCCESS);
                assertThat(state.workflowExecId()).isEqualTo(execution.workflowExecId());
                assertThat(state.workflowId()).isEqualTo(execution == first ? "wf-first" : "wf-second");
                assertThat(state.input()).containsEntry("round", 2);
            });
        }
    }

    @Test
    void everyNewestWinsBreaksACreatedAtTieByTaskExecIdInCodePointOrderWhateverTheCollation() {
        // 'a' (U+0061) sorts after 'B' (U+0042) by code point, before it in a linguistic collation.
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "parent").executionType(ExecutionType.PARALLEL).build());
        TaskState upper = tasks.upsertState(child(parent, "same")
                .taskExecId("tie-B")
                .output(Map.of("by", "B"))
                .build());
        TaskState lower = tasks.upsertState(child(parent, "same")
                .taskExecId("tie-a")
                .output(Map.of("by", "a"))
                .build());
        createdAt(upper, "2026-01-01T00:00:00Z");
        createdAt(lower, "2026-01-01T00:00:00Z");

        assertThat(tasks.listTasksInWorkflow(execution.workflowExecId())
                        .get("same")
                        .taskExecId())
                .isEqualTo("tie-a");
        assertThat(tasks.getChildByTaskId(parent.taskExecId(), "same").taskExecId())
                .isEqualTo("tie-a");
        assertThat(tasks.listChildrenOutputs(parent.taskExecId())).containsEntry("same", Map.of("by", "a"));
    }

    @Test
    void listTasksByStatusAgentAndToolSpanAllDepthsOldestFirst() {
        WorkflowExecution execution = execution(workflows);
        WorkflowExecution other = execution(workflows);
        TaskState parent = tasks.upsertState(task(execution, "p")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        TaskState deep = tasks.upsertState(child(parent, "deep")
                .status(Status.RUNNING)
                .agentId("ag")
                .actionId("x")
                .build());
        TaskState tool = tasks.upsertState(
                task(execution, "tool").status(Status.FAILED).toolId("tl").build());
        tasks.upsertState(task(other, "elsewhere")
                .status(Status.RUNNING)
                .agentId("ag")
                .actionId("x")
                .build());
        createdAt(parent, "2026-01-01T00:00:02Z");
        createdAt(deep, "2026-01-01T00:00:01Z");

        assertThat(tasks.listTasksByStatus(execution.workflowExecId(), Status.RUNNING))
                .extracting(TaskState::taskId)
                .containsExactly("deep", "p");
        assertThat(tasks.listTasksByAgent(execution.workflowExecId(), "ag"))
                .extracting(TaskState::taskId)
                .containsExactly("deep");
        assertThat(tasks.listTasksByTool(execution.workflowExecId(), "tl"))
                .extracting(TaskState::taskExecId)
                .containsExactly(tool.taskExecId());
        assertThat(tasks.listTasksByStatus(execution.workflowExecId(), Status.CANCELED))
                .isEmpty();
    }

    @Test
    void listChildrenReturnsDirectChildrenByTaskIdThenCreation() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "p").executionType(ExecutionType.PARALLEL).build());
        TaskState b = tasks.upsertState(
                child(parent, "b").executionType(ExecutionType.PARALLEL).build());
        TaskState a2 = tasks.upsertState(child(parent, "a").build());
        TaskState a1 = tasks.upsertState(child(parent, "a").build());
        tasks.upsertState(child(b, "grandchild").build());
        createdAt(a1, "2026-01-01T00:00:00Z");
        createdAt(a2, "2026-01-01T00:00:01Z");

        assertThat(tasks.listChildren(parent.taskExecId()))
                .extracting(TaskState::taskExecId)
                .containsExactly(a1.taskExecId(), a2.taskExecId(), b.taskExecId());
        assertThat(tasks.listChildren("unknown")).isEmpty();
    }

    @Test
    void listChildrenOutputsSkipsSqlNullAndKeepsTheNewestPerTaskId() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "p").executionType(ExecutionType.PARALLEL).build());
        TaskState old =
                tasks.upsertState(child(parent, "a").output(Map.of("v", "old")).build());
        TaskState fresh =
                tasks.upsertState(child(parent, "a").output(Map.of("v", "new")).build());
        tasks.upsertState(child(parent, "b").output(Map.of()).build());
        tasks.upsertState(child(parent, "c").build());
        createdAt(old, "2026-01-01T00:00:00Z");
        createdAt(fresh, "2026-01-01T00:00:01Z");

        Map<String, Map<String, Object>> outputs = tasks.listChildrenOutputs(parent.taskExecId());

        assertThat(outputs).containsOnlyKeys("a", "b");
        assertThat(outputs.get("a")).isEqualTo(Map.of("v", "new"));
        assertThat(outputs.get("b")).isEmpty();
    }

    @Test
    void getChildByTaskIdReturnsTheNewestOrThrowsNotFound() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "p").executionType(ExecutionType.PARALLEL).build());
        TaskState old = tasks.upsertState(child(parent, "a").build());
        TaskState fresh = tasks.upsertState(child(parent, "a").build());
        createdAt(old, "2026-01-01T00:00:00Z");
        createdAt(fresh, "2026-01-01T00:00:01Z");

        assertThat(tasks.getChildByTaskId(parent.taskExecId(), "a").taskExecId())
                .isEqualTo(fresh.taskExecId());
        assertThatThrownBy(() -> tasks.getChildByTaskId(parent.taskExecId(), "zzz"))
                .isInstanceOfSatisfying(
                        TaskNotFoundException.class,
                        e -> assertThat(e.taskExecId()).isEqualTo(parent.taskExecId()))
                .hasMessageContaining("no child with task_id 'zzz'");
    }

    @Test
    void listTasksInWorkflowsMapsEveryRequestedExecutionEvenWithoutTasks() {
        WorkflowExecution busy = execution(workflows);
        WorkflowExecution idle = execution(workflows);
        tasks.upsertState(task(busy, "one").build());
        tasks.upsertState(task(busy, "two").build());

        Map<String, Map<String, TaskState>> byExecution =
                tasks.listTasksInWorkflows(List.of(busy.workflowExecId(), idle.workflowExecId()));

        assertThat(byExecution).containsOnlyKeys(busy.workflowExecId(), idle.workflowExecId());
        assertThat(byExecution.get(busy.workflowExecId())).containsOnlyKeys("one", "two");
        assertThat(byExecution.get(idle.workflowExecId())).isEmpty();
        assertThat(tasks.listTasksInWorkflows(List.of())).isEmpty();
        assertThatThrownBy(() -> tasks.listTasksInWorkflows(List.of(" "))).hasMessageStartingWith("workflowExecIds[]:");
    }
}
