package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** createChildStatesInTransaction: validated first, written in one batched transaction, all or nothing. */
class ChildCreationTest extends IntegrationTest {
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

    private List<TaskState> children(int n) {
        List<TaskState> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            children.add(child(parent, "child-" + i).input(Map.of("index", i)).build());
        }
        return children;
    }

    private long childCount() {
        return count("SELECT count(*) FROM task_states WHERE parent_state_id = ?", parent.taskExecId());
    }

    @Test
    void aThousandChildrenAreWrittenAsOneJdbcBatch() {
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.taskRepository().createChildStatesInTransaction(parent.taskExecId(), children(1000));
        }

        assertThat(childCount()).isEqualTo(1000);
        assertThat(recorder.matching("INSERT INTO task_states")).singleElement().satisfies(batch -> {
            assertThat(batch.batch()).isTrue();
            assertThat(batch.parameterSets()).isEqualTo(1000);
        });
        assertThat(recorder.executions())
                .extracting(SqlRecorder.Execution::sql)
                .as("parent check, one batch, commit")
                .hasSize(3)
                .last()
                .isEqualTo(SqlRecorder.COMMIT);
        assertThat(tasks.getProgressInfo(parent.taskExecId()).pendingCount()).isEqualTo(1000);
    }

    @Test
    void aDatabaseFailureInTheFiveHundredthOfAThousandChildrenLeavesNoneWritten() {
        List<TaskState> children = children(1000);
        // A trigger, not validation, refuses the 500th row: the failure comes from PostgreSQL mid-batch.
        execute("""
                CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.task_id = 'poison' THEN RAISE EXCEPTION 'poisoned row' USING ERRCODE = '22023'; END IF;
                    RETURN NEW;
                END $$""");
        execute(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON task_states FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
        children.set(499, children.get(499).toBuilder().taskId("poison").build());
        try {
            assertThatThrownBy(() -> tasks.createChildStatesInTransaction(parent.taskExecId(), children))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.sqlState()).isEqualTo("22023"))
                    .hasMessageContaining(
                            "createChildStatesInTransaction(parent_state_id=" + parent.taskExecId() + ")");
            assertThat(childCount()).isZero();
        } finally {
            execute("DROP TRIGGER refuse_poison ON task_states");
            execute("DROP FUNCTION refuse_poison()");
        }
    }

    @Test
    void aChildWithTheWrongParentFailsNamingItsTaskIdAndNothingIsWritten() {
        List<TaskState> children = children(10);
        children.set(
                7,
                children.get(7).toBuilder()
                        .taskId("misfiled")
                        .parentStateId("someone-else")
                        .build());

        assertThatThrownBy(() -> tasks.createChildStatesInTransaction(parent.taskExecId(), children))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("children[7].parentStateId")
                .hasMessageContaining("misfiled");
        assertThat(childCount()).isZero();
    }

    @Test
    void anInvalidChildFailsBeforeAnySql() {
        List<TaskState> children = children(3);
        children.set(2, children.get(2).toBuilder().status(null).build());

        assertThatThrownBy(() -> tasks.createChildStatesInTransaction(parent.taskExecId(), children))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("status:");
        assertThat(childCount()).isZero();
    }

    @Test
    void aDuplicateChildIdIsRejected() {
        List<TaskState> children = children(3);
        children.set(
                2,
                children.get(2).toBuilder()
                        .taskExecId(children.get(0).taskExecId())
                        .build());

        assertThatThrownBy(() -> tasks.createChildStatesInTransaction(parent.taskExecId(), children))
                .hasMessageContaining("children[2].taskExecId")
                .hasMessageContaining("appears twice");
    }

    @Test
    void aParentThatDoesNotExistIsNotFound() {
        TaskState orphan = child(parent, "orphan").parentStateId("ghost").build();

        assertThatThrownBy(() -> tasks.createChildStatesInTransaction("ghost", List.of(orphan)))
                .isInstanceOfSatisfying(
                        TaskNotFoundException.class,
                        e -> assertThat(e.taskExecId()).isEqualTo("ghost"));
        assertThat(count("SELECT count(*) FROM task_states WHERE task_id = 'orphan'"))
                .isZero();
    }

    @Test
    void childrenOfAnotherWorkflowExecutionAreRejected() {
        WorkflowExecution other = execution(workflows);
        List<TaskState> children = children(2);
        children.set(
                1,
                children.get(1).toBuilder()
                        .workflowExecId(other.workflowExecId())
                        .build());

        assertThatThrownBy(() -> tasks.createChildStatesInTransaction(parent.taskExecId(), children))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workflowExecId");
        assertThat(childCount()).isZero();
    }

    @Test
    void anEmptyListWritesNothingAndSendsNoSql() {
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.taskRepository().createChildStatesInTransaction(parent.taskExecId(), List.of());
        }

        assertThat(recorder.executions()).isEmpty();
        assertThat(childCount()).isZero();
    }

    @Test
    void rerunningTheSameBatchUpdatesInsteadOfDuplicating() {
        List<TaskState> children = children(5);
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);

        tasks.createChildStatesInTransaction(
                parent.taskExecId(),
                children.stream()
                        .map(c -> c.toBuilder().status(Status.RUNNING).build())
                        .toList());

        assertThat(childCount()).isEqualTo(5);
        assertThat(tasks.getProgressInfo(parent.taskExecId()).runningCount()).isEqualTo(5);
    }
}
