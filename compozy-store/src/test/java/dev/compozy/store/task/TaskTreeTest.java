package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.List;
import org.junit.jupiter.api.Test;

/** getTaskTree: one recursive CTE, root first, level by level, depth-limited and cycle-safe. */
class TaskTreeTest extends IntegrationTest {

    private TaskState node(TaskState parent, String taskId, String createdAt) {
        TaskState state = tasks.upsertState(
                child(parent, taskId).executionType(ExecutionType.COMPOSITE).build());
        execute(
                "UPDATE task_states SET created_at = ?::timestamptz WHERE task_exec_id = ?",
                createdAt,
                state.taskExecId());
        return state;
    }

    @Test
    void aThreeLevelTreeComesBackRootFirstThenByDepthThenCreation() {
        WorkflowExecution execution = execution(workflows);
        TaskState root = tasks.upsertState(
                task(execution, "root").executionType(ExecutionType.PARALLEL).build());
        TaskState b = node(root, "b", "2026-01-01T00:00:02Z");
        TaskState a = node(root, "a", "2026-01-01T00:00:01Z");
        node(b, "b1", "2026-01-01T00:00:03Z");
        node(a, "a1", "2026-01-01T00:00:04Z");
        TaskState a1x = node(a, "a0", "2026-01-01T00:00:00Z");
        node(a1x, "deepest", "2026-01-01T00:00:00Z");
        tasks.upsertState(task(execution, "unrelated").build());

        List<TaskState> tree = tasks.getTaskTree(root.taskExecId());

        assertThat(tree).extracting(TaskState::taskId).containsExactly("root", "a", "b", "a0", "b1", "a1", "deepest");
    }

    @Test
    void theTreeIsOneRecursiveQuery() {
        WorkflowExecution execution = execution(workflows);
        TaskState root = tasks.upsertState(
                task(execution, "root").executionType(ExecutionType.PARALLEL).build());
        node(node(root, "a", "2026-01-01T00:00:01Z"), "a1", "2026-01-01T00:00:02Z");
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            assertThat(recorded.taskRepository().getTaskTree(root.taskExecId())).hasSize(3);
        }
        assertThat(recorder.executions())
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).startsWith("WITH RECURSIVE tree AS"));
    }

    @Test
    void theDepthLimitCutsDeeperLevels() {
        WorkflowExecution execution = execution(workflows);
        TaskState root = tasks.upsertState(
                task(execution, "root").executionType(ExecutionType.PARALLEL).build());
        TaskState level1 = node(root, "level1", "2026-01-01T00:00:01Z");
        TaskState level2 = node(level1, "level2", "2026-01-01T00:00:02Z");
        node(level2, "level3", "2026-01-01T00:00:03Z");

        try (Store shallow =
                Store.open(db.config().toBuilder().treeDepthLimit(2).build())) {
            assertThat(shallow.taskRepository().getTaskTree(root.taskExecId()))
                    .extracting(TaskState::taskId)
                    .containsExactly("root", "level1", "level2");
        }
        assertThat(tasks.getTaskTree(root.taskExecId())).hasSize(4);
    }

    @Test
    void aCycleInParentLinksTerminatesWithoutDuplicates() {
        WorkflowExecution execution = execution(workflows);
        TaskState root = tasks.upsertState(
                task(execution, "root").executionType(ExecutionType.PARALLEL).build());
        TaskState a = node(root, "a", "2026-01-01T00:00:01Z");
        TaskState b = node(a, "b", "2026-01-01T00:00:02Z");
        // Another client closes the loop: root's parent becomes its own grandchild.
        execute("UPDATE task_states SET parent_state_id = ? WHERE task_exec_id = ?", b.taskExecId(), root.taskExecId());

        List<TaskState> tree = tasks.getTaskTree(root.taskExecId());

        assertThat(tree).extracting(TaskState::taskId).containsExactly("root", "a", "b");
        assertThat(tasks.getTaskTree(a.taskExecId()))
                .extracting(TaskState::taskId)
                .containsExactly("a", "b", "root");
    }

    @Test
    void anUnknownRootGivesAnEmptyList() {
        assertThat(tasks.getTaskTree("no-such-root")).isEmpty();
    }

    @Test
    void aLeafIsATreeOfOne() {
        TaskState leaf = tasks.upsertState(task(execution(workflows), "leaf").build());

        assertThat(tasks.getTaskTree(leaf.taskExecId())).containsExactly(tasks.getState(leaf.taskExecId()));
    }
}
