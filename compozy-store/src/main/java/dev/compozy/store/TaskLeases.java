package dev.compozy.store;

import dev.compozy.store.core.Require;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.ClaimBatch;
import dev.compozy.store.task.ClaimedTask;
import dev.compozy.store.task.HeartbeatResult;
import dev.compozy.store.task.Lease;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Claims, with leases or without, heartbeats and the reclaim of expired leases: their SQL and the
 * operations that run it (the writes a lease fences are in {@link GuardedWrites}). Every lease time is
 * computed by PostgreSQL from {@code now()}, never from the JVM's clock.
 */
final class TaskLeases {
    // The claim and reclaim statements are package-private so QueryPlanTest can EXPLAIN exactly the SQL that runs.

    /** The lease columns, read after {@link TaskStateMapping#COLUMNS}. */
    private static final String LEASE_COLUMNS = "lease_owner, lease_expires_at, fencing_token, attempts";

    /** Where the lease columns start in a claim's rows. */
    private static final int FIRST_LEASE_COLUMN = TaskStateMapping.COLUMNS.split(",").length + 1;

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
    private static final String PICKED_ERROR =
            "(SELECT e.exhausted_error FROM expired e WHERE e.task_exec_id = t.task_exec_id)";

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

    static final String CLAIM_IN_WORKFLOW = CLAIM.formatted(
            EXHAUSTED,
            EXHAUSTED_ERROR,
            "workflow_exec_id = ? AND",
            TaskStateMapping.COLUMNS,
            LEASE_COLUMNS,
            PICKED_ERROR);
    static final String CLAIM_ANYWHERE =
            CLAIM.formatted(EXHAUSTED, EXHAUSTED_ERROR, "", TaskStateMapping.COLUMNS, LEASE_COLUMNS, PICKED_ERROR);

    /** Expired leases back to PENDING (or FAILED when exhausted); the token advances to fence the last owner. */
    static final String RECLAIM_EXPIRED =
            """
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
     * ARRAY(subquery) makes PostgreSQL pick and lock the rows once, before the update; SKIP LOCKED makes
     * concurrent claimers take different rows instead of queueing on the same ones.
     */
    private static final String CLAIM_PENDING = """
            UPDATE task_states SET status = 'RUNNING', updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                fencing_token = fencing_token + 1, attempts = attempts + 1
            WHERE task_exec_id = ANY (ARRAY(
                    SELECT task_exec_id FROM task_states
                    WHERE %s status = 'PENDING'
                    ORDER BY created_at, task_exec_id
                    LIMIT ?
                    FOR NO KEY UPDATE SKIP LOCKED))
              AND status = 'PENDING'
            RETURNING %s""";

    static final String CLAIM_PENDING_IN_WORKFLOW =
            CLAIM_PENDING.formatted("workflow_exec_id = ? AND", TaskStateMapping.COLUMNS);
    static final String CLAIM_PENDING_ANYWHERE = CLAIM_PENDING.formatted("", TaskStateMapping.COLUMNS);

    private final Statements sql;

    TaskLeases(Statements sql) {
        this.sql = sql;
    }

    ClaimBatch claimTasks(String workflowExecId, LeaseTerms terms, int limit) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonNull(terms, "terms");
        requirePositive(limit);
        String operation = "claimTasks(workflow_exec_id=" + workflowExecId + ", owner=" + terms.owner() + ")";
        return sql.statement(operation, tx -> claim(tx, workflowExecId, terms, limit, operation));
    }

    ClaimBatch claimTasks(LeaseTerms terms, int limit) {
        Require.nonNull(terms, "terms");
        requirePositive(limit);
        String operation = "claimTasks(owner=" + terms.owner() + ")";
        return sql.statement(operation, tx -> claim(tx, null, terms, limit, operation));
    }

    HeartbeatResult heartbeat(Collection<Lease> leases, Duration duration) {
        Require.nonNull(leases, "leases");
        LeaseTerms.requireDuration(duration, "duration");
        List<Lease> held = new ArrayList<>(leases.size());
        Set<String> ids = new HashSet<>();
        for (Lease lease : leases) {
            Require.nonNull(lease, "leases[]");
            if (!ids.add(lease.taskExecId())) {
                throw new IllegalArgumentException("leases: task '" + lease.taskExecId() + "' appears twice");
            }
            held.add(lease);
        }
        if (held.isEmpty()) {
            return new HeartbeatResult(List.of(), List.of());
        }
        return sql.statement("heartbeat(" + held.size() + " leases)", tx -> heartbeat(tx, held, duration));
    }

    List<TaskState> reclaimExpired(int maxAttempts, int limit) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: must be at least 1, got " + maxAttempts);
        }
        requirePositive(limit);
        return sql.statement("reclaimExpired", tx -> reclaimExpired(tx, maxAttempts, limit, "reclaimExpired"));
    }

    List<TaskState> claimPendingTasks(String workflowExecId, int limit) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        requirePositive(limit);
        String operation = "claimPendingTasks(workflow_exec_id=" + workflowExecId + ")";
        return claimed(sql.query(
                operation, CLAIM_PENDING_IN_WORKFLOW, TaskStateMapping.rows(operation), workflowExecId, limit));
    }

    List<TaskState> claimPendingTasks(int limit) {
        requirePositive(limit);
        return claimed(sql.query(
                "claimPendingTasks", CLAIM_PENDING_ANYWHERE, TaskStateMapping.rows("claimPendingTasks"), limit));
    }

    private static void requirePositive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be at least 1, got " + limit);
        }
    }

    /** RETURNING has no order; hand the tasks out oldest first, as they were picked. */
    private static List<TaskState> claimed(List<TaskState> tasks) {
        List<TaskState> sorted = new ArrayList<>(tasks);
        sorted.sort(Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId));
        return sorted;
    }

    private static ClaimBatch claim(Tx tx, String workflowExecId, LeaseTerms terms, int limit, String operation) {
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
        List<ClaimRow> rows = Statements.query(
                tx,
                sql,
                row -> new ClaimRow(
                        states.map(row),
                        row.getString(FIRST_LEASE_COLUMN),
                        InstantColumn.read(row, FIRST_LEASE_COLUMN + 1),
                        row.getLong(FIRST_LEASE_COLUMN + 2),
                        row.getInt(FIRST_LEASE_COLUMN + 3)),
                args.toArray());
        List<ClaimedTask> claimed = new ArrayList<>();
        List<TaskState> failed = new ArrayList<>();
        for (ClaimRow row : rows) {
            if (row.state().status() == Status.RUNNING) {
                claimed.add(new ClaimedTask(
                        row.state(),
                        new Lease(row.state().taskExecId(), row.owner(), row.token(), row.expiresAt()),
                        row.attempts()));
            } else {
                failed.add(row.state());
            }
        }
        // RETURNING has no order; hand the tasks out oldest first, as they were picked.
        Comparator<TaskState> oldestFirst =
                Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId);
        claimed.sort(Comparator.comparing(ClaimedTask::task, oldestFirst));
        failed.sort(oldestFirst);
        return new ClaimBatch(claimed, failed);
    }

    private record ClaimRow(TaskState state, String owner, Instant expiresAt, long token, int attempts) {}

    private static List<TaskState> reclaimExpired(Tx tx, int maxAttempts, int limit, String operation) {
        List<TaskState> states = new ArrayList<>(
                Statements.query(tx, RECLAIM_EXPIRED, TaskStateMapping.rows(operation), maxAttempts, limit));
        states.sort(Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId));
        return states;
    }

    private static HeartbeatResult heartbeat(Tx tx, List<Lease> leases, Duration duration) {
        String[] ids = new String[leases.size()];
        String[] owners = new String[leases.size()];
        long[] tokens = new long[leases.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = leases.get(i).taskExecId();
            owners[i] = leases.get(i).owner();
            tokens[i] = leases.get(i).token();
        }
        List<Instant> expiries = Statements.query(
                tx, HEARTBEAT, row -> InstantColumn.read(row, 2), ids, owners, tokens, duration.toMillis());
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
}
