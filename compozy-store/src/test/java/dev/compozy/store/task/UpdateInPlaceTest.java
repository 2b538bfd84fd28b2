package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code upsertState} of a state read from the store (it carries {@code createdAt}) is a plain update by key
 * while the row keeps its execution and parent; anything else takes the upsert with its parent check.
 */
class UpdateInPlaceTest extends IntegrationTest {
    private WorkflowExecution execution;
    private TaskState parent;

    @BeforeEach
    void parent() {
        execution = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    /** The SQL a write sends, through a store of its own on a recording data source. */
    private List<String> statementsOf(Consumer<TaskRepository> write) {
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            write.accept(recorded.taskRepository());
        }
        return recorder.executions().stream().map(SqlRecorder.Execution::sql).toList();
    }

    @Test
    void aStateReadFromTheStoreIsWrittenAsOneUpdateByKey() {
        TaskState stored = tasks.getState(parent.taskExecId());

        List<String> sql = statementsOf(repository ->
                repository.upsertState(stored.toBuilder().status(Status.SUCCESS).build()));

        assertThat(sql).singleElement().satisfies(s -> assertThat(s).startsWith("UPDATE task_states"));
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void theUpdateInPlaceReturnsTheStoredTimestamps() {
        TaskState stored = tasks.getState(parent.taskExecId());

        TaskState written =
                tasks.upsertState(stored.toBuilder().status(Status.SUCCESS).build());

        TaskState read = tasks.getState(parent.taskExecId());
        assertThat(written.createdAt()).isEqualTo(read.createdAt()).isEqualTo(stored.createdAt());
        assertThat(written.updatedAt()).isEqualTo(read.updatedAt()).isAfterOrEqualTo(stored.updatedAt());
    }

    @Test
    void aNewStateIsWrittenByTheUpsertAlone() {
        List<String> sql = statementsOf(
                repository -> repository.upsertState(task(execution, "new").build()));

        assertThat(sql).singleElement().satisfies(s -> assertThat(s).startsWith("INSERT INTO task_states"));
    }

    @Test
    void aReadStateWhoseRowWasDeletedIsInsertedAgain() {
        TaskState stored = tasks.upsertState(task(execution, "deleted").build());
        execute("DELETE FROM task_states WHERE task_exec_id = ?", stored.taskExecId());

        List<String> sql = statementsOf(repository -> repository.upsertState(stored));

        assertThat(sql)
                .satisfiesExactly(
                        update -> assertThat(update).startsWith("UPDATE task_states"),
                        upsert -> assertThat(upsert).startsWith("INSERT INTO task_states"));
        assertThat(tasks.getState(stored.taskExecId()).taskId()).isEqualTo("deleted");
    }

    @Test
    void aReadChildMovedToAnotherParentIsWrittenThroughTheCheckedUpsert() {
        TaskState other = tasks.upsertState(task(execution, "other-parent")
                .executionType(ExecutionType.PARALLEL)
                .build());
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());

        List<String> sql = statementsOf(repository -> repository.upsertState(
                stored.toBuilder().parentStateId(other.taskExecId()).build()));

        assertThat(sql)
                .satisfiesExactly(
                        update -> assertThat(update).startsWith("UPDATE task_states"),
                        upsert -> assertThat(upsert).startsWith("WITH v"));
        assertThat(tasks.getState(stored.taskExecId()).parentStateId()).isEqualTo(other.taskExecId());
    }

    @Test
    void aReadChildWhoseParentAnotherClientMovedToAnotherExecutionIsRefusedAndLeftAsItWas() {
        WorkflowExecution elsewhere = execution(workflows);
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());
        execute(
                "UPDATE task_states SET workflow_exec_id = ? WHERE task_exec_id = ?",
                elsewhere.workflowExecId(),
                parent.taskExecId());

        assertThatThrownBy(() -> tasks.upsertState(
                        stored.toBuilder().status(Status.SUCCESS).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workflowExecId")
                .hasMessageContaining(elsewhere.workflowExecId());
        assertThat(tasks.getState(stored.taskExecId()).status()).isEqualTo(stored.status());
    }
}
