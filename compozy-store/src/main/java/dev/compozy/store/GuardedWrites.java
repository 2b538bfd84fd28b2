package dev.compozy.store;

import dev.compozy.store.core.Require;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.Lease;
import dev.compozy.store.task.StaleLeaseException;
import dev.compozy.store.task.TaskAlreadyTerminalException;
import dev.compozy.store.task.TaskConflictException;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskState;
import java.sql.SQLException;
import java.time.Instant;
import java.util.function.Function;

/**
 * The task writes that pass only when the row still is as the writer believes: fenced by a lease's token
 * ({@code upsertStateWithLease}, a leased {@code completeChild}), compared with the {@code updated_at} that
 * was read ({@code compareAndSetState}), or refused once the task is finished. A refused write reads the
 * row's guards to say why.
 */
final class GuardedWrites {
    private static final String TERMINAL = "('SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELED')";

    /**
     * Overwrites what an upsert would (the parameters bind in {@link TaskStateMapping#upsertArgs}' order)
     * when the row passes the condition that follows, bound after them.
     */
    private static final String UPDATE_IF = """
            UPDATE task_states t SET
                task_id = v.task_id,
                workflow_exec_id = v.workflow_exec_id,
                workflow_id = v.workflow_id,
                component = v.component,
                status = v.status,
                execution_type = v.execution_type,
                agent_id = v.agent_id,
                action_id = v.action_id,
                tool_id = v.tool_id,
                parent_state_id = v.parent_state_id,
                input = v.input,
                output = v.output,
                error = v.error,
                updated_at = now()
            FROM (VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb))
                AS v(task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, execution_type,
                     agent_id, action_id, tool_id, parent_state_id, input, output, error)
            WHERE t.task_exec_id = v.task_exec_id AND %s
            RETURNING t.created_at, t.updated_at""";

    /**
     * A finished task takes no other outcome; the same status, output and error again is an idempotent
     * repeat (a retried completion whose first answer was lost) and passes.
     */
    static final String NOT_FINISHED_OR_SAME_OUTCOME = "(%1$s.status NOT IN " + TERMINAL
            + " OR (%1$s.status = %2$s.status AND %1$s.output IS NOT DISTINCT FROM %2$s.output"
            + " AND %1$s.error IS NOT DISTINCT FROM %2$s.error))";

    /** {@link #NOT_FINISHED_OR_SAME_OUTCOME} for the guarded upsert of {@code completeChild}. */
    static final String UPSERT_UNLESS_FINISHED = NOT_FINISHED_OR_SAME_OUTCOME.formatted("task_states", "EXCLUDED");

    private static final String UPDATE_FENCED =
            UPDATE_IF.formatted("t.fencing_token = ? AND " + NOT_FINISHED_OR_SAME_OUTCOME.formatted("t", "v"));

    /**
     * A state read from the store written back as a plain update by key: only while the row keeps the
     * execution and parent it had and the parent is still in that execution (read without a lock, as the
     * child upsert's unlocked path does). No row changed means the row is gone or its link is changing,
     * and the caller falls back to the upsert with its parent check. Measured against the upsert, lean
     * profile: one update 116 → 99 µs, four threads 257 → 206 µs; default profile 157 → 130 µs, 357 → 233 µs.
     */
    static final String UPDATE_IN_PLACE = UPDATE_IF.formatted("""
            t.workflow_exec_id = v.workflow_exec_id AND t.parent_state_id IS NOT DISTINCT FROM v.parent_state_id
              AND (v.parent_state_id IS NULL OR EXISTS (SELECT 1 FROM task_states p
                   WHERE p.task_exec_id = v.parent_state_id AND p.workflow_exec_id = v.workflow_exec_id))""");

    private static final String UPDATE_IF_UNCHANGED = UPDATE_IF.formatted("t.updated_at = ?");

    /** What a refused write is told: why the row did not pass. */
    private static final String SELECT_WRITE_GUARDS =
            "SELECT status, fencing_token, lease_owner, updated_at FROM task_states WHERE task_exec_id = ?";

    private final Statements sql;
    private final TaskHierarchy hierarchy;

    GuardedWrites(Statements sql, TaskHierarchy hierarchy) {
        this.sql = sql;
        this.hierarchy = hierarchy;
    }

    TaskState upsertStateWithLease(Lease lease, TaskState state) {
        TaskStateMapping.validateForWrite(state);
        requireLeaseOf(lease, state);
        String operation = "upsertStateWithLease(task_exec_id=" + state.taskExecId() + ", token=" + lease.token() + ")";
        return checkedWrite(state, operation, tx -> writeFenced(tx, lease, state, operation));
    }

    TaskState compareAndSetState(TaskState read, TaskState updated) {
        Require.nonNull(read, "read");
        TaskStateMapping.validateForWrite(updated);
        Require.nonNull(read.updatedAt(), "read.updatedAt");
        if (!updated.taskExecId().equals(read.taskExecId())) {
            throw new IllegalArgumentException("updated.taskExecId: '" + updated.taskExecId()
                    + "' is not the task that was read ('" + read.taskExecId() + "')");
        }
        String operation = "compareAndSetState(task_exec_id=" + updated.taskExecId() + ")";
        return checkedWrite(updated, operation, tx -> writeIfUnchanged(tx, read, updated, operation));
    }

    /** A conditional write: one statement on its own, or after the parent check in a transaction. */
    private TaskState checkedWrite(TaskState state, String operation, Function<Tx, TaskState> write) {
        if (state.parentStateId() == null) {
            return sql.statement(operation, write::apply);
        }
        return hierarchy.checkedChildWrite(state, operation, write);
    }

    static void requireLeaseOf(Lease lease, TaskState state) {
        Require.nonNull(lease, "lease");
        if (!lease.taskExecId().equals(state.taskExecId())) {
            throw new IllegalArgumentException("lease: it is the lease of task '" + lease.taskExecId()
                    + "', not of task '" + state.taskExecId() + "'");
        }
    }

    /**
     * Writes the state if the lease's token is still the task's and the task is not finished (or gets
     * the same outcome again); otherwise writes nothing and throws why.
     */
    static TaskState writeFenced(Tx tx, Lease lease, TaskState state, String operation) {
        TaskState stored = updateIf(tx, UPDATE_FENCED, state, lease.token());
        if (stored != null) {
            return stored;
        }
        Guards guards = guards(tx, state.taskExecId(), operation);
        if (guards.token() != lease.token()) {
            throw new StaleLeaseException(operation, state.taskExecId(), lease.token(), guards.token(), guards.owner());
        }
        throw new TaskAlreadyTerminalException(operation, state.taskExecId(), guards.status(), state.status());
    }

    /** Writes the state if the row's {@code updated_at} is still the one read; otherwise throws why. */
    static TaskState writeIfUnchanged(Tx tx, TaskState read, TaskState state, String operation) {
        TaskState stored = updateIf(tx, UPDATE_IF_UNCHANGED, state, read.updatedAt());
        if (stored != null) {
            return stored;
        }
        Guards guards = guards(tx, state.taskExecId(), operation);
        throw new TaskConflictException(operation, state.taskExecId(), read.updatedAt(), guards.updatedAt());
    }

    /** Explains a refused completion of a child that the guarded upsert did not write. */
    static TaskAlreadyTerminalException alreadyTerminal(Tx tx, TaskState state, String operation) {
        Guards guards = guards(tx, state.taskExecId(), operation);
        return new TaskAlreadyTerminalException(operation, state.taskExecId(), guards.status(), state.status());
    }

    private static TaskState updateIf(Tx tx, String sql, TaskState state, Object guard) {
        return Statements.queryFirst(
                tx, sql, TaskStateMapping.withTimestamps(state), TaskStateMapping.upsertArgs(state, guard));
    }

    private record Guards(Status status, long token, String owner, Instant updatedAt) {}

    private static Guards guards(Tx tx, String taskExecId, String operation) {
        Guards guards = Statements.queryFirst(
                tx,
                SELECT_WRITE_GUARDS,
                row -> new Guards(
                        readStatus(row.getString(1), taskExecId, operation),
                        row.getLong(2),
                        row.getString(3),
                        InstantColumn.read(row, 4)),
                taskExecId);
        if (guards == null) {
            throw new TaskNotFoundException(operationName(operation), taskExecId);
        }
        return guards;
    }

    private static Status readStatus(String status, String taskExecId, String operation) throws SQLException {
        try {
            return Status.fromDb(status);
        } catch (IllegalArgumentException e) {
            throw new StoreException(
                    operation, "task_states row '" + taskExecId + "' cannot be read: " + e.getMessage(), e);
        }
    }

    private static String operationName(String operation) {
        int paren = operation.indexOf('(');
        return paren < 0 ? operation : operation.substring(0, paren);
    }
}
