package dev.compozy.store;

import dev.compozy.store.task.ChildCompletion;
import dev.compozy.store.task.ClaimBatch;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.HeartbeatResult;
import dev.compozy.store.task.Lease;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskCursor;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxConsumer;
import dev.compozy.store.core.TxFunction;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.Require;
import dev.compozy.store.TaskRows.RowReader;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * {@link TaskRepository} on Hibernate and PostgreSQL. Row locks load the entity under
 * {@code PESSIMISTIC_WRITE} (internal.EntityLocks); reads, upserts, hierarchy queries and lists are native
 * SQL, declared below, because they need {@code ON CONFLICT}, {@code DISTINCT ON}, recursive CTEs and
 * keyset predicates, and a read by id is faster so.
 */
final class HibernateTaskRepository implements TaskRepository {
    // The read queries are package-private so PlanTest can EXPLAIN exactly the SQL that runs.

    /** What an upsert overwrites: every column but the key and created_at (see UPSERT_TASK_STATE). */
    private static final String EVERY_COLUMN_FROM_THE_INSERT = """
            task_id = EXCLUDED.task_id,
            workflow_exec_id = EXCLUDED.workflow_exec_id,
            workflow_id = EXCLUDED.workflow_id,
            component = EXCLUDED.component,
            status = EXCLUDED.status,
            execution_type = EXCLUDED.execution_type,
            agent_id = EXCLUDED.agent_id,
            action_id = EXCLUDED.action_id,
            tool_id = EXCLUDED.tool_id,
            parent_state_id = EXCLUDED.parent_state_id,
            input = EXCLUDED.input,
            output = EXCLUDED.output,
            error = EXCLUDED.error,
            updated_at = EXCLUDED.updated_at""";

    /**
     * {@code updated_at} comes from the inserted row rather than a {@code now()} in the update: Citus
     * refuses a function call in {@code DO UPDATE SET} on a distributed table (SQLState 0A000), and the
     * row's {@code now()} is the same transaction timestamp. {@code created_at} is left to its default on
     * insert and untouched on update.
     */
    private static final String UPSERT_TASK_STATE = """
            INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status,
                                     execution_type, agent_id, action_id, tool_id, parent_state_id,
                                     input, output, error, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, now())
            ON CONFLICT (task_exec_id) DO UPDATE SET
            """ + EVERY_COLUMN_FROM_THE_INSERT;

    private static final String UPSERT_TASK_STATE_RETURNING = UPSERT_TASK_STATE
            + " RETURNING created_at, updated_at";

    /** The upsert of a child's completion: a finished child takes no other outcome (see TaskLeases). */
    private static final String UPSERT_UNLESS_FINISHED_RETURNING = UPSERT_TASK_STATE + " WHERE "
            + TaskLeases.UPSERT_UNLESS_FINISHED
            + " RETURNING created_at, updated_at";

    /**
     * A child's upsert and its parent check in one auto-committed statement: the row is written only when
     * its parent is in the same execution, and the first column returns the parent's execution (null when
     * there is none) so that a refusal can say why. When the write makes or changes the link, the parent is
     * read under {@code FOR KEY SHARE} (the lock the foreign key takes on insert anyway), which waits for a
     * concurrent move or delete of the parent and then sees its outcome. An update that keeps the stored
     * parent and execution reads the parent without a lock: its link exists already and the foreign key's
     * cascade guards it, and under four writers that share-lock was what made MultiXacts. Should the stored
     * link change between the snapshot and the row's lock, the {@code DO UPDATE … WHERE} refuses the
     * unlocked write; the last parameter, false, then runs the statement again with the lock.
     */
    private static final String UPSERT_CHILD = """
            WITH v (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, execution_type,
                    agent_id, action_id, tool_id, parent_state_id, input, output, error) AS (
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)
            ), linked AS (
                SELECT 1 FROM task_states t, v
                WHERE t.task_exec_id = v.task_exec_id AND t.parent_state_id = v.parent_state_id
                  AND t.workflow_exec_id = v.workflow_exec_id AND ?::boolean
            ), parent_read AS (
                SELECT p.workflow_exec_id FROM task_states p, v
                WHERE p.task_exec_id = v.parent_state_id AND EXISTS (SELECT 1 FROM linked)
            ), parent_locked AS (
                SELECT p.workflow_exec_id FROM task_states p, v
                WHERE p.task_exec_id = v.parent_state_id AND NOT EXISTS (SELECT 1 FROM linked)
                FOR KEY SHARE OF p
            ), parent AS (
                SELECT workflow_exec_id FROM parent_read UNION ALL SELECT workflow_exec_id FROM parent_locked
            ), written AS (
                INSERT INTO task_states AS t (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status,
                                              execution_type, agent_id, action_id, tool_id, parent_state_id,
                                              input, output, error, updated_at)
                SELECT v.*, now() FROM v WHERE v.workflow_exec_id = (SELECT workflow_exec_id FROM parent)
                ON CONFLICT (task_exec_id) DO UPDATE SET
            """ + EVERY_COLUMN_FROM_THE_INSERT + """
                WHERE (t.parent_state_id = EXCLUDED.parent_state_id AND t.workflow_exec_id = EXCLUDED.workflow_exec_id)
                   OR EXISTS (SELECT 1 FROM parent_locked)
                RETURNING t.created_at, t.updated_at
            )
            SELECT (SELECT workflow_exec_id FROM parent), w.created_at, w.updated_at
            FROM (VALUES (1)) AS one LEFT JOIN written w ON true""";

    /** Takes the same lock the foreign key check would, so the parent cannot vanish before the insert. */
    private static final String SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE =
            "SELECT workflow_exec_id FROM task_states WHERE task_exec_id = ? FOR KEY SHARE";

    /**
     * Every row of the executions, unsorted: the newest row per task_id is picked in Java. A
     * {@code DISTINCT ON} would sort every full row first, and at 100,000 rows that sort spilled to disk
     * and took 200 ms of a scan that takes 14 ms on its own.
     */
    static final String SELECT_TASKS_IN_WORKFLOWS = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ANY (?)";

    static final String SELECT_TASKS_BY_STATUS = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND status = ? ORDER BY created_at, task_exec_id";

    private static final String SELECT_TASKS_BY_AGENT = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND agent_id = ? ORDER BY created_at, task_exec_id";

    private static final String SELECT_TASKS_BY_TOOL = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND tool_id = ? ORDER BY created_at, task_exec_id";

    private static final String SELECT_BY_ID = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE task_exec_id = ?";

    static final String SELECT_CHILDREN = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE parent_state_id = ? ORDER BY task_id, created_at, task_exec_id";

    /** A JSON {@code null} output is absent, as SQL NULL is: both are passed over for an older output. */
    static final String SELECT_CHILDREN_OUTPUTS = """
            SELECT DISTINCT ON (task_id) task_id, output, task_exec_id
            FROM task_states
            WHERE parent_state_id = ? AND output IS NOT NULL AND jsonb_typeof(output) <> 'null'
            ORDER BY task_id, created_at DESC, task_exec_id COLLATE "C" DESC""";

    static final String SELECT_CHILD_BY_TASK_ID = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE parent_state_id = ? AND task_id = ?"
            + " ORDER BY created_at DESC, task_exec_id COLLATE \"C\" DESC LIMIT 1";

    /**
     * The root, then its descendants level by level. {@code path} holds the ids on the way down: a row
     * already on its own path is a cycle in {@code parent_state_id} and is not visited again.
     */
    static final String SELECT_TASK_TREE = """
            WITH RECURSIVE tree AS (
                SELECT t.*, 0 AS depth, ARRAY[t.task_exec_id] AS path
                FROM task_states t
                WHERE t.task_exec_id = ?
              UNION ALL
                SELECT c.*, tree.depth + 1, tree.path || c.task_exec_id
                FROM task_states c
                JOIN tree ON c.parent_state_id = tree.task_exec_id
                WHERE tree.depth < ? AND c.task_exec_id <> ALL (tree.path)
            )
            SELECT %s FROM tree ORDER BY depth, created_at, task_exec_id""".formatted(TaskStateMapping.COLUMNS);

    static final String SELECT_PROGRESS =
            "SELECT status, count(*) AS children FROM task_states WHERE parent_state_id = ? GROUP BY status";

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
    private static final String CLAIM_PENDING_IN_WORKFLOW =
            CLAIM_PENDING.formatted("workflow_exec_id = ? AND", TaskStateMapping.COLUMNS);
    private static final String CLAIM_PENDING_ANYWHERE = CLAIM_PENDING.formatted("", TaskStateMapping.COLUMNS);

    private static final String SELECT_PARENT_FOR_NO_KEY_UPDATE =
            "SELECT workflow_exec_id, status FROM task_states WHERE task_exec_id = ? FOR NO KEY UPDATE";

    private static final String UPDATE_STATUS = "UPDATE task_states SET status = ?, updated_at = now() WHERE task_exec_id = ?";

    /** The sort below the lock makes PostgreSQL take the row locks in id order. */
    private static final String SELECT_FOR_UPDATE_IN_ID_ORDER = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE task_exec_id = ANY (?) ORDER BY task_exec_id FOR NO KEY UPDATE";

    private static final int STREAM_FETCH_SIZE = 500;
    /**
     * Lists read through a cursor in steps this big, so the driver never holds more than this many raw rows
     * beside the states built from them: at 100,000 tasks that cut the collector's pauses from 61 to 13 ms
     * per call. Up to this many rows it is one round trip, as without a cursor.
     */
    private static final int LIST_FETCH_SIZE = 10_000;

    private final Database database;
    private final int treeDepthLimit;

    public HibernateTaskRepository(Database database, int treeDepthLimit) {
        this.database = Objects.requireNonNull(database, "database");
        if (treeDepthLimit < 1) {
            throw new IllegalArgumentException("treeDepthLimit: must be at least 1, got " + treeDepthLimit);
        }
        this.treeDepthLimit = treeDepthLimit;
    }

    @Override
    public TaskState upsertState(TaskState state) {
        TaskStateMapping.validateForWrite(state);
        String operation = "upsertState(task_exec_id=" + state.taskExecId() + ")";
        if (state.parentStateId() == null) {
            return database.runStatement(operation, tx -> upsert(tx, state));
        }
        return database.runStatement(operation, tx -> upsertChild(tx, state, operation));
    }

    @Override
    public TaskState upsertState(Tx tx, TaskState state) {
        TaskStateMapping.validateForWrite(state);
        String operation = "upsertState(task_exec_id=" + state.taskExecId() + ")";
        database.requireActive(tx, operation);
        return database.run(operation, current -> state.parentStateId() == null ? upsert(current, state)
                : upsertChild(current, state, operation));
    }

    private static TaskState upsertChild(Tx tx, TaskState state, String operation) {
        for (boolean trustStoredLink = true; ; trustStoredLink = false) {
            boolean unlocked = trustStoredLink;
            ChildWrite write = tx.withConnection(connection -> {
                try (PreparedStatement statement = connection.prepareStatement(UPSERT_CHILD)) {
                    TaskStateMapping.bindUpsert(statement, state);
                    statement.setBoolean(TaskLeases.UPSERT_PARAMETERS + 1, unlocked);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        return new ChildWrite(row.getString(1), Jdbc.instant(row, 2), Jdbc.instant(row, 3));
                    }
                } catch (PSQLException e) {
                    throw explainForeignKey(e, state);
                }
            });
            if (write.createdAt() != null) {
                return state.toBuilder().createdAt(write.createdAt()).updatedAt(write.updatedAt()).build();
            }
            requireParent(write.parentWorkflow(), state, operation);
            // Not written though the parent is in the execution: the stored link changed after the snapshot.
        }
    }

    private record ChildWrite(String parentWorkflow, Instant createdAt, Instant updatedAt) {
    }

    private static void requireParent(String parentWorkflow, TaskState state, String operation) {
        if (parentWorkflow == null) {
            throw new IllegalArgumentException("parentStateId: parent task '" + state.parentStateId()
                    + "' does not exist (" + operation + ")");
        }
        if (!parentWorkflow.equals(state.workflowExecId())) {
            throw new IllegalArgumentException("workflowExecId: task '" + state.taskId() + "' is in workflow execution '"
                    + state.workflowExecId() + "' but its parent '" + state.parentStateId() + "' is in '"
                    + parentWorkflow + "' (" + operation + ")");
        }
    }

    private static TaskState upsert(Tx tx, TaskState state) {
        return tx.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(UPSERT_TASK_STATE_RETURNING)) {
                TaskStateMapping.bindUpsert(statement, state);
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    return state.toBuilder()
                            .createdAt(Jdbc.instant(row, "created_at"))
                            .updatedAt(Jdbc.instant(row, "updated_at"))
                            .build();
                }
            } catch (PSQLException e) {
                throw explainForeignKey(e, state);
            }
        });
    }

    /** Names the missing row behind a foreign-key violation; the SQLState stays in the cause. */
    private static SQLException explainForeignKey(PSQLException e, TaskState state) {
        ServerErrorMessage detail = e.getServerErrorMessage();
        if (!"23503".equals(e.getSQLState()) || detail == null || detail.getConstraint() == null) {
            return e;
        }
        String missing = switch (detail.getConstraint()) {
            case "fk_workflow" -> "workflow execution '" + state.workflowExecId() + "' does not exist";
            case "fk_parent_task" -> "parent task '" + state.parentStateId() + "' does not exist";
            default -> null;
        };
        return missing == null ? e : new SQLException(missing, e.getSQLState(), e);
    }

    @Override
    public TaskState getState(String taskExecId) {
        Require.nonBlank(taskExecId, "taskExecId");
        String operation = "getState(task_exec_id=" + taskExecId + ")";
        // Native rather than em.find: the same row for 51 µs instead of 88 µs (src/site/design.md).
        TaskState state = database.runStatement(operation, tx -> tx.withConnection(c ->
                Jdbc.queryFirst(c, SELECT_BY_ID, TaskStateMapping.rows(operation), taskExecId)));
        if (state == null) {
            throw new TaskNotFoundException("getState", taskExecId);
        }
        return state;
    }

    @Override
    public TaskState getStateForUpdate(Tx tx, String taskExecId) {
        Require.nonBlank(taskExecId, "taskExecId");
        String operation = "getStateForUpdate(task_exec_id=" + taskExecId + ")";
        database.requireActive(tx, operation);
        TaskState state = database.run(operation, current -> database.lock(operation, () ->
                lockForUpdate(current.entityManager(), taskExecId, operation)));
        if (state == null) {
            throw new TaskNotFoundException("getStateForUpdate", taskExecId);
        }
        return state;
    }

    /**
     * Detaches what it loads: later native writes in the same transaction would otherwise leave a stale
     * entity in the persistence context for the next {@code find} to return.
     */
    private static TaskState lockForUpdate(EntityManager em, String taskExecId, String operation) {
        TaskStateEntity entity = EntityLocks.findForUpdate(em, TaskStateEntity.class, taskExecId);
        if (entity == null) {
            return null;
        }
        em.detach(entity);
        return TaskStateMapping.fromEntity(entity, operation);
    }

    @Override
    public List<TaskState> listStates(TaskStateFilter filter) {
        Require.nonNull(filter, "filter");
        QueryBuilder query = filterQuery(filter);
        return database.runStatement("listStates", tx -> tx.withConnection(c ->
                Jdbc.query(c, query.sql(), TaskStateMapping.rows("listStates"), query.args())));
    }

    @Override
    public void forEachState(TaskStateFilter filter, Consumer<TaskState> action) {
        Require.nonNull(filter, "filter");
        Require.nonNull(action, "action");
        QueryBuilder query = filterQuery(filter);
        database.run("forEachState", tx -> tx.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(query.sql())) {
                // With auto-commit off (inside the transaction) the driver reads through a cursor,
                // this many rows per round trip, instead of materialising the whole result.
                statement.setFetchSize(STREAM_FETCH_SIZE);
                Jdbc.bind(statement, query.args());
                Jdbc.RowMapper<TaskState> mapper = TaskStateMapping.rows("forEachState");
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        action.accept(mapper.map(rows));
                    }
                }
            }
            return null;
        }));
    }

    @Override
    public Map<String, TaskState> listTasksInWorkflow(String workflowExecId) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        return tasksByExecution("listTasksInWorkflow(workflow_exec_id=" + workflowExecId + ")", List.of(workflowExecId))
                .get(workflowExecId);
    }

    @Override
    public Map<String, Map<String, TaskState>> listTasksInWorkflows(Collection<String> workflowExecIds) {
        Require.nonNull(workflowExecIds, "workflowExecIds");
        workflowExecIds.forEach(id -> Require.nonBlank(id, "workflowExecIds[]"));
        return tasksByExecution("listTasksInWorkflows", workflowExecIds);
    }

    /**
     * Newest-wins per (execution, task_id) as the rows arrive: a row older than the one already kept is
     * dropped before its JSON is read, and a kept row is read at once. A transaction even for this one
     * read: only with auto-commit off does the driver read through a cursor ({@link #LIST_FETCH_SIZE}).
     */
    private Map<String, Map<String, TaskState>> tasksByExecution(String operation, Collection<String> execIds) {
        Map<String, Map<String, TaskState>> result = new LinkedHashMap<>();
        execIds.forEach(id -> result.put(id, new LinkedHashMap<>()));
        if (execIds.isEmpty()) {
            return result;
        }
        return database.run(operation, tx -> tx.withConnection(c -> {
            try (PreparedStatement statement = c.prepareStatement(SELECT_TASKS_IN_WORKFLOWS)) {
                statement.setFetchSize(LIST_FETCH_SIZE);
                Jdbc.bind(statement, (Object) execIds.toArray(String[]::new));
                RowReader row = new RowReader(operation);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        row.readKey(rows);
                        Map<String, TaskState> states = result.get(row.workflowExecId());
                        TaskState kept = states.get(row.taskId());
                        if (kept == null || row.isNewerThan(kept)) {
                            states.put(row.taskId(), row.readState(rows));
                        }
                    }
                }
            }
            return result;
        }));
    }

    @Override
    public List<TaskState> listTasksByStatus(String workflowExecId, Status status) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonNull(status, "status");
        return list("listTasksByStatus(workflow_exec_id=" + workflowExecId + ")", SELECT_TASKS_BY_STATUS,
                workflowExecId, status.dbValue());
    }

    @Override
    public List<TaskState> listTasksByAgent(String workflowExecId, String agentId) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonBlank(agentId, "agentId");
        return list("listTasksByAgent(workflow_exec_id=" + workflowExecId + ")", SELECT_TASKS_BY_AGENT,
                workflowExecId, agentId);
    }

    @Override
    public List<TaskState> listTasksByTool(String workflowExecId, String toolId) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonBlank(toolId, "toolId");
        return list("listTasksByTool(workflow_exec_id=" + workflowExecId + ")", SELECT_TASKS_BY_TOOL,
                workflowExecId, toolId);
    }

    @Override
    public List<TaskState> listChildren(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        return list("listChildren(parent_state_id=" + parentStateId + ")", SELECT_CHILDREN, parentStateId);
    }

    @Override
    public Map<String, Map<String, Object>> listChildrenOutputs(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        String operation = "listChildrenOutputs(parent_state_id=" + parentStateId + ")";
        return database.runStatement(operation, tx -> tx.withConnection(connection -> {
            Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();
            JsonObjectParser json = new JsonObjectParser();
            for (Map.Entry<String, Map<String, Object>> child : Jdbc.query(connection, SELECT_CHILDREN_OUTPUTS,
                    row -> Map.entry(row.getString(1), readOutput(json, operation, row)), parentStateId)) {
                outputs.put(child.getKey(), child.getValue());
            }
            return outputs;
        }));
    }

    private static Map<String, Object> readOutput(JsonObjectParser json, String operation, ResultSet row)
            throws SQLException {
        try {
            return json.read(row.getString(2), "output");
        } catch (IllegalArgumentException e) {
            throw new StoreException(operation, "task_states row '" + row.getString(3) + "' (child task '"
                    + row.getString(1) + "') cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public TaskState getChildByTaskId(String parentStateId, String taskId) {
        Require.nonBlank(parentStateId, "parentStateId");
        Require.nonBlank(taskId, "taskId");
        String operation = "getChildByTaskId(parent_state_id=" + parentStateId + ", task_id=" + taskId + ")";
        List<TaskState> found = list(operation, SELECT_CHILD_BY_TASK_ID, parentStateId, taskId);
        if (found.isEmpty()) {
            throw new TaskNotFoundException("getChildByTaskId", parentStateId,
                    "task state '" + parentStateId + "' has no child with task_id '" + taskId + "'");
        }
        return found.get(0);
    }

    @Override
    public List<TaskState> getTaskTree(String rootStateId) {
        Require.nonBlank(rootStateId, "rootStateId");
        return list("getTaskTree(root=" + rootStateId + ")", SELECT_TASK_TREE, rootStateId, treeDepthLimit);
    }

    @Override
    public ProgressInfo getProgressInfo(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        String operation = "getProgressInfo(parent_state_id=" + parentStateId + ")";
        return database.runStatement(operation, tx -> progress(tx, parentStateId, operation));
    }

    private static ProgressInfo progress(Tx tx, String parentStateId, String operation) {
        return tx.withConnection(connection -> {
            Map<Status, Integer> counts = new EnumMap<>(Status.class);
            try (PreparedStatement statement = connection.prepareStatement(SELECT_PROGRESS)) {
                statement.setString(1, parentStateId);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        counts.put(readStatus(operation, "a child row", rows.getString(1)), rows.getInt(2));
                    }
                }
            }
            return ProgressInfo.of(counts);
        });
    }

    private static Status readStatus(String operation, String row, String status) {
        try {
            return Status.fromDb(status);
        } catch (IllegalArgumentException e) {
            throw new StoreException(operation, row + " cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public void createChildStatesInTransaction(String parentStateId, List<TaskState> children) {
        Require.nonBlank(parentStateId, "parentStateId");
        Require.nonNull(children, "children");
        validateChildren(parentStateId, children);
        if (children.isEmpty()) {
            return;
        }
        String operation = "createChildStatesInTransaction(parent_state_id=" + parentStateId + ")";
        database.run(operation, tx -> tx.withConnection(connection -> {
            String parentWorkflow = Jdbc.queryFirst(connection, SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE,
                    row -> row.getString(1), parentStateId);
            if (parentWorkflow == null) {
                throw new TaskNotFoundException("createChildStatesInTransaction", parentStateId,
                        "parent task state '" + parentStateId + "' not found");
            }
            for (TaskState child : children) {
                requireParent(parentWorkflow, child, operation);
            }
            batchUpsert(connection, children);
            return null;
        }));
    }

    private static void validateChildren(String parentStateId, List<TaskState> children) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < children.size(); i++) {
            TaskState child = children.get(i);
            if (child == null) {
                throw new IllegalArgumentException("children[" + i + "]: must not be null");
            }
            if (!parentStateId.equals(child.parentStateId())) {
                throw new IllegalArgumentException("children[" + i + "].parentStateId: child task '" + child.taskId()
                        + "' has parent '" + child.parentStateId() + "', expected '" + parentStateId + "'");
            }
            TaskStateMapping.validateForWrite(child);
            if (!ids.add(child.taskExecId())) {
                throw new IllegalArgumentException("children[" + i + "].taskExecId: '" + child.taskExecId()
                        + "' appears twice");
            }
        }
    }

    private static void batchUpsert(Connection connection, List<TaskState> states)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(UPSERT_TASK_STATE)) {
            for (TaskState state : states) {
                TaskStateMapping.bindUpsert(statement, state);
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException e) {
            SQLException next = e.getNextException();
            throw new SQLException("batch of " + states.size() + " children failed: "
                    + (next != null ? next.getMessage() : e.getMessage()), e.getSQLState(), e);
        }
    }

    @Override
    public List<TaskState> claimPendingTasks(String workflowExecId, int limit) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        requirePositive(limit);
        return claimed(list("claimPendingTasks(workflow_exec_id=" + workflowExecId + ")", CLAIM_PENDING_IN_WORKFLOW,
                workflowExecId, limit));
    }

    @Override
    public List<TaskState> claimPendingTasks(int limit) {
        requirePositive(limit);
        return claimed(list("claimPendingTasks", CLAIM_PENDING_ANYWHERE, limit));
    }

    private static void requirePositive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be at least 1, got " + limit);
        }
    }

    /** RETURNING has no order; hand the tasks out oldest first, as they were picked. */
    private static List<TaskState> claimed(List<TaskState> tasks) {
        List<TaskState> sorted = new java.util.ArrayList<>(tasks);
        sorted.sort(java.util.Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId));
        return sorted;
    }

    @Override
    public ChildCompletion completeChild(TaskState child, CompletionStrategy strategy) {
        TaskStateMapping.validateForWrite(child);
        Require.nonNull(strategy, "strategy");
        String parentId = Require.nonBlank(child.parentStateId(), "parentStateId");
        String operation = "completeChild(task_exec_id=" + child.taskExecId() + ", parent_state_id=" + parentId + ")";
        return completeChild(child, strategy, operation, tx -> upsertUnlessFinished(tx, child, operation));
    }

    @Override
    public ChildCompletion completeChild(Lease lease, TaskState child, CompletionStrategy strategy) {
        TaskStateMapping.validateForWrite(child);
        Require.nonNull(strategy, "strategy");
        requireLeaseOf(lease, child);
        String parentId = Require.nonBlank(child.parentStateId(), "parentStateId");
        String operation = "completeChild(task_exec_id=" + child.taskExecId() + ", parent_state_id=" + parentId
                + ", token=" + lease.token() + ")";
        return completeChild(child, strategy, operation, tx -> TaskLeases.writeFenced(tx, lease, child, operation));
    }

    private static TaskState upsertUnlessFinished(Tx tx, TaskState child, String operation) {
        TaskState stored = tx.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(UPSERT_UNLESS_FINISHED_RETURNING)) {
                TaskStateMapping.bindUpsert(statement, child);
                try (ResultSet row = statement.executeQuery()) {
                    return row.next() ? child.toBuilder().createdAt(Jdbc.instant(row, 1))
                            .updatedAt(Jdbc.instant(row, 2)).build() : null;
                }
            } catch (PSQLException e) {
                throw explainForeignKey(e, child);
            }
        });
        if (stored == null) {
            throw TaskLeases.alreadyTerminal(tx, child, operation);
        }
        return stored;
    }

    /** A refused child write throws out of the transaction, so the parent's lock is all it ever took. */
    private ChildCompletion completeChild(TaskState child, CompletionStrategy strategy, String operation,
            java.util.function.Function<Tx, TaskState> writeChild) {
        String parentId = child.parentStateId();
        ChildCompletion completion = database.run(operation, tx -> {
            ParentRow parent = database.lock(operation, () -> tx.withConnection(c -> Jdbc.queryFirst(c,
                    SELECT_PARENT_FOR_NO_KEY_UPDATE, row -> new ParentRow(row.getString(1), row.getString(2)), parentId)));
            if (parent == null) {
                return null;
            }
            requireParent(parent.workflowExecId(), child, operation);
            TaskState stored = writeChild.apply(tx);
            ProgressInfo progress = progress(tx, parentId, operation);
            Status implied = progress.overallStatus(strategy);
            Status current = readStatus(operation, "the parent row", parent.status());
            boolean done = (implied == Status.SUCCESS || implied == Status.FAILED) && !current.isTerminal();
            if (done) {
                tx.withConnection(c -> Jdbc.update(c, UPDATE_STATUS, implied.dbValue(), parentId));
            }
            return new ChildCompletion(stored, progress, done ? implied : current, done);
        });
        if (completion == null) {
            throw new TaskNotFoundException("completeChild", parentId, "parent task state '" + parentId + "' not found");
        }
        return completion;
    }

    private record ParentRow(String workflowExecId, String status) {
    }

    private static void requireLeaseOf(Lease lease, TaskState state) {
        Require.nonNull(lease, "lease");
        if (!lease.taskExecId().equals(state.taskExecId())) {
            throw new IllegalArgumentException("lease: it is the lease of task '" + lease.taskExecId()
                    + "', not of task '" + state.taskExecId() + "'");
        }
    }

    @Override
    public ClaimBatch claimTasks(String workflowExecId, LeaseTerms terms, int limit) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonNull(terms, "terms");
        requirePositive(limit);
        String operation = "claimTasks(workflow_exec_id=" + workflowExecId + ", owner=" + terms.owner() + ")";
        return database.runStatement(operation, tx -> TaskLeases.claim(tx, workflowExecId, terms, limit, operation));
    }

    @Override
    public ClaimBatch claimTasks(LeaseTerms terms, int limit) {
        Require.nonNull(terms, "terms");
        requirePositive(limit);
        String operation = "claimTasks(owner=" + terms.owner() + ")";
        return database.runStatement(operation, tx -> TaskLeases.claim(tx, null, terms, limit, operation));
    }

    @Override
    public HeartbeatResult heartbeat(Collection<Lease> leases, Duration duration) {
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
        return database.runStatement("heartbeat(" + held.size() + " leases)",
                tx -> TaskLeases.heartbeat(tx, held, duration));
    }

    @Override
    public List<TaskState> reclaimExpired(int maxAttempts, int limit) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: must be at least 1, got " + maxAttempts);
        }
        requirePositive(limit);
        return database.runStatement("reclaimExpired",
                tx -> TaskLeases.reclaimExpired(tx, maxAttempts, limit, "reclaimExpired"));
    }

    @Override
    public TaskState upsertStateWithLease(Lease lease, TaskState state) {
        TaskStateMapping.validateForWrite(state);
        requireLeaseOf(lease, state);
        String operation = "upsertStateWithLease(task_exec_id=" + state.taskExecId() + ", token=" + lease.token() + ")";
        return checkedWrite(state, operation, tx -> TaskLeases.writeFenced(tx, lease, state, operation));
    }

    @Override
    public TaskState compareAndSetState(TaskState read, TaskState updated) {
        Require.nonNull(read, "read");
        TaskStateMapping.validateForWrite(updated);
        Require.nonNull(read.updatedAt(), "read.updatedAt");
        if (!updated.taskExecId().equals(read.taskExecId())) {
            throw new IllegalArgumentException("updated.taskExecId: '" + updated.taskExecId()
                    + "' is not the task that was read ('" + read.taskExecId() + "')");
        }
        String operation = "compareAndSetState(task_exec_id=" + updated.taskExecId() + ")";
        return checkedWrite(updated, operation, tx -> TaskLeases.writeIfUnchanged(tx, read, updated, operation));
    }

    /** A conditional write: one statement on its own, or after the parent check in a transaction. */
    private TaskState checkedWrite(TaskState state, String operation, java.util.function.Function<Tx, TaskState> write) {
        if (state.parentStateId() == null) {
            return database.runStatement(operation, write::apply);
        }
        return database.run(operation, tx -> {
            String parentWorkflow = tx.withConnection(c -> Jdbc.queryFirst(c, SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE,
                    row -> row.getString(1), state.parentStateId()));
            requireParent(parentWorkflow, state, operation);
            return write.apply(tx);
        });
    }

    @Override
    public List<TaskState> getStatesForUpdate(Tx tx, Collection<String> taskExecIds) {
        Require.nonNull(taskExecIds, "taskExecIds");
        taskExecIds.forEach(id -> Require.nonBlank(id, "taskExecIds[]"));
        String operation = "getStatesForUpdate(" + taskExecIds.size() + " ids)";
        database.requireActive(tx, operation);
        if (taskExecIds.isEmpty()) {
            return List.of();
        }
        return database.run(operation, current -> database.lock(operation, () -> current.withConnection(c ->
                Jdbc.query(c, SELECT_FOR_UPDATE_IN_ID_ORDER, TaskStateMapping.rows(operation),
                        (Object) taskExecIds.toArray(String[]::new)))));
    }

    @Override
    public <E extends Exception> void withTx(RetryPolicy policy, TxConsumer<E> work) throws E {
        database.withTx(policy, work);
    }

    @Override
    public <T, E extends Exception> T fromTx(RetryPolicy policy, TxFunction<T, E> work) throws E {
        return database.fromTx(policy, work);
    }

    @Override
    public <E extends Exception> void withTx(TxConsumer<E> work) throws E {
        database.withTx(work);
    }

    @Override
    public <T, E extends Exception> T fromTx(TxFunction<T, E> work) throws E {
        return database.fromTx(work);
    }

    private List<TaskState> list(String operation, String sql, Object... args) {
        return database.runStatement(operation, tx -> tx.withConnection(c ->
                Jdbc.query(c, sql, TaskStateMapping.rows(operation), args)));
    }

    /** The SQL and arguments of a {@link TaskStateFilter}: fixed column names, every value bound. */
    private static QueryBuilder filterQuery(TaskStateFilter f) {
        TaskCursor after = f.after();
        return new QueryBuilder("SELECT " + TaskStateMapping.COLUMNS + " FROM task_states")
                .whereIfPresent("status = ?", f.status() == null ? null : f.status().dbValue())
                .whereIfPresent("workflow_id = ?", f.workflowId())
                .whereIfPresent("workflow_exec_id = ?", f.workflowExecId())
                .whereIfPresent("task_id = ?", f.taskId())
                .whereIfPresent("task_exec_id = ?", f.taskExecId())
                .whereIfPresent("parent_state_id = ?", f.parentStateId())
                .whereIfPresent("agent_id = ?", f.agentId())
                .whereIfPresent("action_id = ?", f.actionId())
                .whereIfPresent("tool_id = ?", f.toolId())
                .whereIfPresent("execution_type = ?", f.executionType() == null ? null : f.executionType().dbValue())
                .whereIfPresent("(created_at, task_exec_id) > (?, ?)", after == null ? null : after.createdAt(),
                        after == null ? null : after.taskExecId())
                .orderBy("created_at, task_exec_id")
                .limit(f.limit());
    }
}
