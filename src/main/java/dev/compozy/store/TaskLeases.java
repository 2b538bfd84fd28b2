package dev.compozy.store;

import dev.compozy.store.task.ClaimBatch;
import dev.compozy.store.task.ClaimedTask;
import dev.compozy.store.task.HeartbeatResult;
import dev.compozy.store.task.Lease;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.StaleLeaseException;
import dev.compozy.store.task.TaskAlreadyTerminalException;
import dev.compozy.store.task.TaskConflictException;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.Status;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The SQL of the leased task lifecycle (claims with leases, heartbeats, reclaim, fenced and
 * compare-and-set writes) and the statements that run it; {@link HibernateTaskRepository} decides the
 * transactions. Every lease time is computed by PostgreSQL from {@code now()}, never from the JVM's clock.
 */
final class TaskLeases {
    // The claim and reclaim statements are package-private so QueryPlanTest can EXPLAIN exactly the SQL that runs.

    /** The lease columns, read after {@link TaskStateMapping#COLUMNS}. */
    private static final String LEASE_COLUMNS = "lease_owner, lease_expires_at, fencing_token, attempts";

    /** Where the lease columns start in a claim's rows. */
    private static final int FIRST_LEASE_COLUMN = TaskStateMapping.COLUMNS.split(",").length + 1;

    /** The parameters {@link TaskStateMapping#bindUpsert} binds; a write's guard value comes after them. */
    static final int UPSERT_PARAMETERS = 14;

    private static final String TERMINAL = "('SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELED')";

    /**
     * The stored error of a task whose lease expired after its last allowed claim, computed where the expired
     * row is picked (and locked) rather than inside the update's CASE: Citus refuses a non-immutable function
     * (jsonb_build_object, text || integer) inside CASE with 0A000.
     */
    private static final String EXHAUSTED_ERROR = "jsonb_build_object('code', '" + LeaseTerms.LEASE_EXPIRED + "',"
            + " 'message', 'the lease expired after ' || attempts || ' claim(s), the last by '"
            + " || coalesce(lease_owner, 'an agent without a lease'),"
            + " 'details', jsonb_build_object('attempts', attempts, 'last_owner', lease_owner)) AS exhausted_error";

    /** The picked row's {@link #EXHAUSTED_ERROR}, for the update's CASE. */
    private static final String PICKED_ERROR = "(SELECT e.exhausted_error FROM expired e WHERE e.task_exec_id = t.task_exec_id)";

    private static final String EXHAUSTED = "(t.status = 'RUNNING' AND t.attempts >= p.max_attempts)";

    /**
     * Expired leases first (oldest expiry first, among the leased RUNNING tasks of the partial index),
     * then PENDING tasks oldest first up to the limit; each pick locks with SKIP LOCKED, so concurrent
     * claimers take different rows and never wait. The picks are materialized, so PostgreSQL picks and
     * locks the rows once, before the update (FOR UPDATE is not allowed in a UNION, hence two of them); the
     * update's condition repeats the picks', since a row can change between a pick's snapshot and its
     * lock. The token advances on every claim, and on the claim that fails an exhausted task, so its last
     * owner is fenced. The lease expiry is computed once in the parameter row, outside any CASE (Citus
     * refuses {@code now()} there).
     */
    private static final String CLAIM = """
            WITH expired AS MATERIALIZED (
                SELECT task_exec_id, %2$s FROM task_states
                WHERE %3$s status = 'RUNNING' AND lease_owner IS NOT NULL AND lease_expires_at < now()
                ORDER BY lease_expires_at
                LIMIT ?
                FOR NO KEY UPDATE SKIP LOCKED
            ), pending AS MATERIALIZED (
                SELECT task_exec_id FROM task_states
                WHERE %3$s status = 'PENDING'
                ORDER BY created_at, task_exec_id
                LIMIT ? - (SELECT count(*) FROM expired)
                FOR NO KEY UPDATE SKIP LOCKED
            )
            UPDATE task_states t SET
                status = CASE WHEN %1$s THEN 'FAILED' ELSE 'RUNNING' END,
                error = CASE WHEN %1$s THEN %6$s ELSE t.error END,
                lease_owner = CASE WHEN %1$s THEN t.lease_owner ELSE p.owner END,
                lease_expires_at = CASE WHEN %1$s THEN NULL ELSE p.expires_at END,
                attempts = CASE WHEN %1$s THEN t.attempts ELSE t.attempts + 1 END,
                fencing_token = t.fencing_token + 1,
                updated_at = now()
            FROM (SELECT ?::integer AS max_attempts, ?::text AS owner,
                         now() + ?::bigint * interval '1 millisecond' AS expires_at) AS p
            WHERE t.task_exec_id = ANY (ARRAY(SELECT task_exec_id FROM expired UNION ALL SELECT task_exec_id FROM pending))
              AND (t.status = 'PENDING' OR (t.status = 'RUNNING' AND t.lease_expires_at < now()))
            RETURNING %4$s, %5$s""";
    static final String CLAIM_IN_WORKFLOW = CLAIM.formatted(EXHAUSTED, EXHAUSTED_ERROR,
            "workflow_exec_id = ? AND", TaskStateMapping.COLUMNS, LEASE_COLUMNS, PICKED_ERROR);
    static final String CLAIM_ANYWHERE = CLAIM.formatted(EXHAUSTED, EXHAUSTED_ERROR, "",
            TaskStateMapping.COLUMNS, LEASE_COLUMNS, PICKED_ERROR);

    /** Expired leases back to PENDING (or FAILED when exhausted); the token advances to fence the last owner. */
    static final String RECLAIM_EXPIRED = """
            WITH p AS (
                SELECT ?::integer AS max_attempts
            ), expired AS MATERIALIZED (
                SELECT task_exec_id, %2$s FROM task_states
                WHERE status = 'RUNNING' AND lease_owner IS NOT NULL AND lease_expires_at < now()
                ORDER BY lease_expires_at
                LIMIT ?
                FOR NO KEY UPDATE SKIP LOCKED
            )
            UPDATE task_states t SET
                status = CASE WHEN %1$s THEN 'FAILED' ELSE 'PENDING' END,
                error = CASE WHEN %1$s THEN %4$s ELSE t.error END,
                lease_expires_at = NULL,
                fencing_token = t.fencing_token + 1,
                updated_at = now()
            FROM p
            WHERE t.task_exec_id = ANY (ARRAY(SELECT task_exec_id FROM expired))
              AND t.status = 'RUNNING' AND t.lease_expires_at < now()
            RETURNING %3$s""".formatted(EXHAUSTED, EXHAUSTED_ERROR, TaskStateMapping.COLUMNS, PICKED_ERROR);

    /**
     * One statement for all the leases of a heartbeat: the update extends those still held (same owner,
     * same token, still RUNNING); the outer join reports the others, in the order given. It changes no
     * indexed column, not even updated_at (the task's state does not change), so PostgreSQL can update the
     * rows in place on their pages without new index entries (HOT).
     */
    private static final String HEARTBEAT = """
            WITH held AS (
                SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS h(task_exec_id, owner, token, n)
            ), extended AS (
                UPDATE task_states t SET lease_expires_at = now() + ?::bigint * interval '1 millisecond'
                FROM held h
                WHERE t.task_exec_id = h.task_exec_id AND t.lease_owner = h.owner AND t.fencing_token = h.token
                  AND t.status = 'RUNNING'
                RETURNING t.task_exec_id, t.lease_expires_at
            )
            SELECT held.n, extended.lease_expires_at
            FROM held LEFT JOIN extended ON extended.task_exec_id = held.task_exec_id
            ORDER BY held.n""";

    /**
     * Overwrites what an upsert would (the parameters bind in {@link TaskStateMapping#bindUpsert}'s order)
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

    private static final String UPDATE_FENCED = UPDATE_IF.formatted("t.fencing_token = ? AND "
            + NOT_FINISHED_OR_SAME_OUTCOME.formatted("t", "v"));

    private static final String UPDATE_IF_UNCHANGED = UPDATE_IF.formatted("t.updated_at = ?");

    /** What a refused write is told: why the row did not pass. */
    private static final String SELECT_WRITE_GUARDS =
            "SELECT status, fencing_token, lease_owner, updated_at FROM task_states WHERE task_exec_id = ?";

    private TaskLeases() {
    }

    static ClaimBatch claim(Tx tx, String workflowExecId, LeaseTerms terms, int limit, String operation) {
        List<Object> args = new ArrayList<>();
        for (int pick = 0; pick < 2; pick++) {
            if (workflowExecId != null) {
                args.add(workflowExecId);
            }
            args.add(limit);
        }
        args.addAll(List.of(terms.maxAttempts(), terms.owner(), terms.duration().toMillis()));
        String sql = workflowExecId == null ? CLAIM_ANYWHERE : CLAIM_IN_WORKFLOW;
        Jdbc.RowMapper<TaskState> states = TaskStateMapping.rows(operation);
        List<ClaimRow> rows = tx.withConnection(c -> Jdbc.query(c, sql, row -> new ClaimRow(states.map(row),
                row.getString(FIRST_LEASE_COLUMN), Jdbc.instant(row, FIRST_LEASE_COLUMN + 1),
                row.getLong(FIRST_LEASE_COLUMN + 2), row.getInt(FIRST_LEASE_COLUMN + 3)), args.toArray()));
        List<ClaimedTask> claimed = new ArrayList<>();
        List<TaskState> failed = new ArrayList<>();
        for (ClaimRow row : rows) {
            if (row.state().status() == Status.RUNNING) {
                claimed.add(new ClaimedTask(row.state(), new Lease(row.state().taskExecId(), row.owner(), row.token(),
                        row.expiresAt()), row.attempts()));
            } else {
                failed.add(row.state());
            }
        }
        // RETURNING has no order; hand the tasks out oldest first, as they were picked.
        Comparator<TaskState> oldestFirst = Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId);
        claimed.sort(Comparator.comparing(ClaimedTask::task, oldestFirst));
        failed.sort(oldestFirst);
        return new ClaimBatch(claimed, failed);
    }

    private record ClaimRow(TaskState state, String owner, Instant expiresAt, long token, int attempts) {
    }

    static List<TaskState> reclaimExpired(Tx tx, int maxAttempts, int limit, String operation) {
        List<TaskState> states = new ArrayList<>(tx.withConnection(c ->
                Jdbc.query(c, RECLAIM_EXPIRED, TaskStateMapping.rows(operation), maxAttempts, limit)));
        states.sort(Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId));
        return states;
    }

    static HeartbeatResult heartbeat(Tx tx, List<Lease> leases, Duration duration) {
        String[] ids = new String[leases.size()];
        String[] owners = new String[leases.size()];
        long[] tokens = new long[leases.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = leases.get(i).taskExecId();
            owners[i] = leases.get(i).owner();
            tokens[i] = leases.get(i).token();
        }
        List<Instant> expiries = tx.withConnection(c -> Jdbc.query(c, HEARTBEAT, row -> Jdbc.instant(row, 2),
                ids, owners, tokens, duration.toMillis()));
        List<Lease> extended = new ArrayList<>();
        List<Lease> lost = new ArrayList<>();
        for (int i = 0; i < leases.size(); i++) {
            Lease lease = leases.get(i);
            Instant expiresAt = expiries.get(i);
            if (expiresAt == null) {
                lost.add(lease);
            } else {
                extended.add(new Lease(lease.taskExecId(), lease.owner(), lease.token(), expiresAt));
            }
        }
        return new HeartbeatResult(extended, lost);
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
        return tx.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                TaskStateMapping.bindUpsert(statement, state);
                Jdbc.bind(statement, UPSERT_PARAMETERS + 1, guard);
                try (ResultSet row = statement.executeQuery()) {
                    if (!row.next()) {
                        return null;
                    }
                    return state.toBuilder().createdAt(Jdbc.instant(row, 1)).updatedAt(Jdbc.instant(row, 2)).build();
                }
            }
        });
    }

    private record Guards(Status status, long token, String owner, Instant updatedAt) {
    }

    private static Guards guards(Tx tx, String taskExecId, String operation) {
        Guards guards = tx.withConnection(c -> Jdbc.queryFirst(c, SELECT_WRITE_GUARDS, row -> new Guards(
                readStatus(row.getString(1), taskExecId, operation), row.getLong(2), row.getString(3),
                Jdbc.instant(row, 4)), taskExecId));
        if (guards == null) {
            throw new TaskNotFoundException(operationName(operation), taskExecId);
        }
        return guards;
    }

    private static Status readStatus(String status, String taskExecId, String operation) throws SQLException {
        try {
            return Status.fromDb(status);
        } catch (IllegalArgumentException e) {
            throw new StoreException(operation, "task_states row '" + taskExecId
                    + "' cannot be read: " + e.getMessage(), e);
        }
    }

    private static String operationName(String operation) {
        int paren = operation.indexOf('(');
        return paren < 0 ? operation : operation.substring(0, paren);
    }
}
