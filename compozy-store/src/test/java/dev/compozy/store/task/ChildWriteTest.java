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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A child's upsert is one auto-committed statement that checks its parent's execution itself, and locks
 * the parent only when it makes or changes the link; races with another client moving or deleting the
 * parent never leave a child under a parent of another execution.
 */
class ChildWriteTest extends IntegrationTest {
    private static final String MISMATCHED_CHILDREN = "SELECT count(*) FROM task_states c JOIN task_states p"
            + " ON p.task_exec_id = c.parent_state_id WHERE p.workflow_exec_id <> c.workflow_exec_id";

    private WorkflowExecution execution;
    private WorkflowExecution other;
    private TaskState parent;

    @BeforeEach
    void parent() {
        execution = execution(workflows);
        other = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    /** A recording store whose statements give up after 5 s waiting for a lock, instead of hanging the test. */
    private static SqlRecorder recorder(TestDatabase db) {
        PGSimpleDataSource dataSource = db.dataSource(TestDatabase.SHARED_DATABASE);
        dataSource.setOptions("-c lock_timeout=5000");
        return new SqlRecorder(dataSource);
    }

    /** Another client's open transaction; committed or rolled back by the test. */
    private Connection anotherClientsTransaction() throws SQLException {
        Connection connection = db.connect(TestDatabase.SHARED_DATABASE);
        connection.setAutoCommit(false);
        return connection;
    }

    private static void run(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            statement.execute();
        }
    }

    /** Moves the parent and its children to the other execution, holding the parent locked from the start. */
    private void moveParentWithItsChildren(Connection mover) throws SQLException {
        run(mover, "SELECT 1 FROM task_states WHERE task_exec_id = ? FOR UPDATE", parent.taskExecId());
        run(
                mover,
                "UPDATE task_states SET workflow_exec_id = ? WHERE task_exec_id = ? OR parent_state_id = ?",
                other.workflowExecId(),
                parent.taskExecId(),
                parent.taskExecId());
    }

    /** Polls pg_stat_activity until one of the store's backends waits for a lock. */
    private void awaitStoreWaitingForALock() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND wait_event_type = 'Lock' AND application_name = 'compozy-store'")
                < 1) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the child write never started waiting for a lock");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static Throwable failureOf(CompletableFuture<TaskState> write) throws Exception {
        try {
            write.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the child write succeeded");
    }

    @Test
    void anUpdateOfAChildWhoseParentIsUnchangedIsOneAutoCommittedStatementThatWaitsForNoParentLock() throws Exception {
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());
        SqlRecorder recorder = recorder(db);
        try (Store recorded = Store.open(recorder.dataSource(), db.config());
                Connection holder = anotherClientsTransaction()) {
            run(holder, "SELECT 1 FROM task_states WHERE task_exec_id = ? FOR UPDATE", parent.taskExecId());

            recorded.taskRepository()
                    .upsertState(stored.toBuilder().status(Status.RUNNING).build());

            holder.rollback();
        }

        assertThat(tasks.getState(stored.taskExecId()).status()).isEqualTo(Status.RUNNING);
        assertThat(recorder.executions())
                .as("one update in place, no transaction")
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).startsWith("UPDATE task_states"));
    }

    @Test
    void aNewChildIsOneAutoCommittedStatement() {
        SqlRecorder recorder = recorder(db);
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            recorded.taskRepository().upsertState(child(parent, "leaf").build());
        }

        assertThat(tasks.listChildren(parent.taskExecId()))
                .extracting(TaskState::taskId)
                .containsExactly("leaf");
        assertThat(recorder.executions())
                .as("one statement, no transaction")
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).startsWith("WITH v"));
    }

    @Test
    void aChildWrittenInsideATransactionIsOneStatementOfIt() {
        SqlRecorder recorder = recorder(db);
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            TaskRepository repository = recorded.taskRepository();
            repository.withTx(tx -> {
                repository.upsertState(tx, child(parent, "leaf").build());
            });
        }

        assertThat(recorder.executions())
                .extracting(SqlRecorder.Execution::sql)
                .satisfiesExactly(
                        sql -> assertThat(sql).startsWith("WITH v"),
                        sql -> assertThat(sql).isEqualTo(SqlRecorder.COMMIT));
    }

    @Test
    void aNewChildWaitingForAParentBeingMovedToAnotherExecutionIsRefusedOnceTheMoveCommits() throws Exception {
        try (Connection mover = anotherClientsTransaction()) {
            moveParentWithItsChildren(mover);
            CompletableFuture<TaskState> write = CompletableFuture.supplyAsync(
                    () -> tasks.upsertState(child(parent, "leaf").build()));
            awaitStoreWaitingForALock();
            mover.commit();

            assertThat(failureOf(write))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("workflowExecId:")
                    .hasMessageContaining(parent.taskExecId())
                    .hasMessageContaining(other.workflowExecId());
        }
        assertThat(count(MISMATCHED_CHILDREN)).isZero();
        assertThat(count("SELECT count(*) FROM task_states WHERE parent_state_id = ?", parent.taskExecId()))
                .isZero();
    }

    @Test
    void anUpdateOfAChildMovedWithItsParentMeanwhileIsRefusedAndLeavesTheMovedRow() throws Exception {
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());
        try (Connection mover = anotherClientsTransaction()) {
            moveParentWithItsChildren(mover);
            CompletableFuture<TaskState> write = CompletableFuture.supplyAsync(() ->
                    tasks.upsertState(stored.toBuilder().status(Status.SUCCESS).build()));
            awaitStoreWaitingForALock();
            mover.commit();

            assertThat(failureOf(write))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("workflowExecId:")
                    .hasMessageContaining(other.workflowExecId());
        }
        assertThat(count(MISMATCHED_CHILDREN)).isZero();
        TaskState moved = tasks.getState(stored.taskExecId());
        assertThat(moved.workflowExecId()).isEqualTo(other.workflowExecId());
        assertThat(moved.status()).isEqualTo(Status.PENDING);
    }

    @Test
    void aNewChildWaitingForItsParentsDeleteIsRefusedAsAMissingParent() throws Exception {
        try (Connection deleter = anotherClientsTransaction()) {
            run(deleter, "DELETE FROM task_states WHERE task_exec_id = ?", parent.taskExecId());
            CompletableFuture<TaskState> write = CompletableFuture.supplyAsync(
                    () -> tasks.upsertState(child(parent, "leaf").build()));
            awaitStoreWaitingForALock();
            deleter.commit();

            assertThat(failureOf(write))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("parentStateId:")
                    .hasMessageContaining("does not exist");
        }
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void anUpdateOfAChildWhoseParentIsDeletedMeanwhileIsRefusedAndLeavesNoOrphan() throws Exception {
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());
        try (Connection deleter = anotherClientsTransaction()) {
            run(deleter, "DELETE FROM task_states WHERE task_exec_id = ?", parent.taskExecId());
            CompletableFuture<TaskState> write = CompletableFuture.supplyAsync(() ->
                    tasks.upsertState(stored.toBuilder().status(Status.SUCCESS).build()));
            awaitStoreWaitingForALock();
            deleter.commit();

            // The update in place waited for the child's row, which the cascade removed; the upsert it falls
            // back to finds no parent and refuses, as for any child of a missing parent.
            assertThat(failureOf(write))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("parent task '" + parent.taskExecId() + "' does not exist");
        }
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aChildOfAParentInAnotherExecutionIsRefusedWithoutWriting() {
        TaskState stray =
                child(parent, "stray").workflowExecId(other.workflowExecId()).build();

        assertThatThrownBy(() -> tasks.upsertState(stray))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("workflowExecId:")
                .hasMessageContaining(parent.taskExecId());
        assertThat(tasks.listChildren(parent.taskExecId())).isEmpty();
    }

    @Test
    void anUpdateMovingAChildToAnotherExecutionThanItsParentsIsRefused() {
        TaskState stored = tasks.upsertState(child(parent, "leaf").build());

        assertThatThrownBy(() -> tasks.upsertState(stored.toBuilder()
                        .workflowExecId(other.workflowExecId())
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("workflowExecId:");
        assertThat(tasks.getState(stored.taskExecId()).workflowExecId()).isEqualTo(execution.workflowExecId());
        assertThat(count(MISMATCHED_CHILDREN)).isZero();
    }
}
