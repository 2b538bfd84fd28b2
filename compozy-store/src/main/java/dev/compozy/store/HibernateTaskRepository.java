package dev.compozy.store;

import dev.compozy.store.core.Require;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxConsumer;
import dev.compozy.store.core.TxFunction;
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
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@link TaskRepository} on Hibernate and PostgreSQL. The row lock of {@link #getStateForUpdate} loads the
 * entity under {@code PESSIMISTIC_WRITE} ({@link EntityLocks}); reads, upserts, lists and claims are
 * native SQL, declared below (parents and children in {@link TaskHierarchy}, leases in {@link TaskLeases}),
 * because they need {@code ON CONFLICT}, {@code DISTINCT ON}, recursive CTEs and keyset predicates, and a
 * read by id is faster so. Each statement is one call on {@link Statements}.
 */
final class HibernateTaskRepository implements TaskRepository {
    // The read queries are package-private so the plan tests can EXPLAIN exactly the SQL that runs.

    private static final String UPSERT_TASK_STATE_RETURNING =
            TaskStateMapping.UPSERT_TASK_STATE + " RETURNING created_at, updated_at";

    static final String SELECT_TASKS_BY_STATUS = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND status = ? ORDER BY created_at, task_exec_id";

    static final String SELECT_TASKS_BY_AGENT = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND agent_id = ? ORDER BY created_at, task_exec_id";

    static final String SELECT_TASKS_BY_TOOL = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE workflow_exec_id = ? AND tool_id = ? ORDER BY created_at, task_exec_id";

    static final String SELECT_BY_ID =
            "SELECT " + TaskStateMapping.COLUMNS + " FROM task_states WHERE task_exec_id = ?";

    /** The sort below the lock makes PostgreSQL take the row locks in id order. */
    private static final String SELECT_FOR_UPDATE_IN_ID_ORDER = "SELECT " + TaskStateMapping.COLUMNS
            + " FROM task_states WHERE task_exec_id = ANY (?) ORDER BY task_exec_id FOR NO KEY UPDATE";

    private static final int STREAM_FETCH_SIZE = 500;

    private final Database database;
    private final Statements sql;
    private final TaskHierarchy hierarchy;
    private final TaskLeases leases;
    private final GuardedWrites guardedWrites;

    HibernateTaskRepository(Database database, int treeDepthLimit) {
        if (treeDepthLimit < 1) {
            throw new IllegalArgumentException("treeDepthLimit: must be at least 1, got " + treeDepthLimit);
        }
        this.database = database;
        this.sql = new Statements(database.transactions());
        this.hierarchy = new TaskHierarchy(sql, treeDepthLimit);
        this.leases = new TaskLeases(sql);
        this.guardedWrites = new GuardedWrites(sql, hierarchy);
    }

    @Override
    public TaskState upsertState(TaskState state) {
        TaskStateMapping.validateForWrite(state);
        String operation = "upsertState(task_exec_id=" + state.taskExecId() + ")";
        try {
            return sql.statement(operation, tx -> upsert(tx, state, operation));
        } catch (StoreException e) {
            throw TaskStateMapping.explainForeignKey(e, state);
        }
    }

    @Override
    public TaskState upsertState(Tx tx, TaskState state) {
        TaskStateMapping.validateForWrite(state);
        String operation = "upsertState(task_exec_id=" + state.taskExecId() + ")";
        try {
            return sql.inTransaction(tx, operation, current -> upsert(current, state, operation));
        } catch (StoreException e) {
            throw TaskStateMapping.explainForeignKey(e, state);
        }
    }

    /**
     * A state that carries {@code createdAt} came from the store (a read, a claim, an earlier write), so its
     * row most likely exists: it is updated in place first ({@link GuardedWrites#UPDATE_IN_PLACE}), which
     * spares the speculative insert and the parent subqueries of the upsert. A new state goes straight to
     * the upsert, so a creation never pays for an update that finds nothing.
     */
    private static TaskState upsert(Tx tx, TaskState state, String operation) {
        if (state.createdAt() != null) {
            TaskState updated = Statements.queryFirst(
                    tx,
                    GuardedWrites.UPDATE_IN_PLACE,
                    TaskStateMapping.withTimestamps(state),
                    TaskStateMapping.upsertArgs(state));
            if (updated != null) {
                return updated;
            }
        }
        if (state.parentStateId() != null) {
            return TaskHierarchy.upsertChild(tx, state, operation);
        }
        return Statements.queryFirst(
                tx,
                UPSERT_TASK_STATE_RETURNING,
                TaskStateMapping.withTimestamps(state),
                TaskStateMapping.upsertArgs(state));
    }

    @Override
    public TaskState getState(String taskExecId) {
        Require.nonBlank(taskExecId, "taskExecId");
        String operation = "getState(task_exec_id=" + taskExecId + ")";
        // Native rather than em.find: the same row for 51 µs instead of 88 µs (src/site/design.md).
        TaskState state = sql.queryFirst(operation, SELECT_BY_ID, TaskStateMapping.rows(operation), taskExecId);
        if (state == null) {
            throw new TaskNotFoundException("getState", taskExecId);
        }
        return state;
    }

    @Override
    public TaskState getStateForUpdate(Tx tx, String taskExecId) {
        Require.nonBlank(taskExecId, "taskExecId");
        String operation = "getStateForUpdate(task_exec_id=" + taskExecId + ")";
        TaskState state = sql.inTransaction(
                tx,
                operation,
                current -> sql.lock(operation, () -> lockForUpdate(current.entityManager(), taskExecId, operation)));
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
        return sql.query("listStates", query.sql(), TaskStateMapping.rows("listStates"), query.args());
    }

    @Override
    public void forEachState(TaskStateFilter filter, Consumer<TaskState> action) {
        Require.nonNull(filter, "filter");
        Require.nonNull(action, "action");
        QueryBuilder query = filterQuery(filter);
        Jdbc.RowMapper<TaskState> states = TaskStateMapping.rows("forEachState");
        sql.inTransaction("forEachState", tx -> {
            Statements.forEach(tx, query.sql(), STREAM_FETCH_SIZE, row -> action.accept(states.map(row)), query.args());
            return null;
        });
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
     * read: only with auto-commit off does the driver read through a cursor ({@link TaskRows#LIST_FETCH_SIZE}).
     */
    private Map<String, Map<String, TaskState>> tasksByExecution(String operation, Collection<String> execIds) {
        if (execIds.isEmpty()) {
            return new LinkedHashMap<>();
        }
        return sql.inTransaction(operation, tx -> TaskRows.tasksByExecution(tx, operation, execIds));
    }

    @Override
    public List<TaskState> listTasksByStatus(String workflowExecId, Status status) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonNull(status, "status");
        return list(
                "listTasksByStatus(workflow_exec_id=" + workflowExecId + ")",
                SELECT_TASKS_BY_STATUS,
                workflowExecId,
                status.dbValue());
    }

    @Override
    public List<TaskState> listTasksByAgent(String workflowExecId, String agentId) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonBlank(agentId, "agentId");
        return list(
                "listTasksByAgent(workflow_exec_id=" + workflowExecId + ")",
                SELECT_TASKS_BY_AGENT,
                workflowExecId,
                agentId);
    }

    @Override
    public List<TaskState> listTasksByTool(String workflowExecId, String toolId) {
        Require.nonBlank(workflowExecId, "workflowExecId");
        Require.nonBlank(toolId, "toolId");
        return list(
                "listTasksByTool(workflow_exec_id=" + workflowExecId + ")",
                SELECT_TASKS_BY_TOOL,
                workflowExecId,
                toolId);
    }

    private List<TaskState> list(String operation, String query, Object... args) {
        return sql.query(operation, query, TaskStateMapping.rows(operation), args);
    }

    @Override
    public List<TaskState> listChildren(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        return hierarchy.listChildren(parentStateId);
    }

    @Override
    public Map<String, Map<String, Object>> listChildrenOutputs(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        return hierarchy.listChildrenOutputs(parentStateId);
    }

    @Override
    public TaskState getChildByTaskId(String parentStateId, String taskId) {
        Require.nonBlank(parentStateId, "parentStateId");
        Require.nonBlank(taskId, "taskId");
        return hierarchy.getChildByTaskId(parentStateId, taskId);
    }

    @Override
    public List<TaskState> getTaskTree(String rootStateId) {
        Require.nonBlank(rootStateId, "rootStateId");
        return hierarchy.getTaskTree(rootStateId);
    }

    @Override
    public ProgressInfo getProgressInfo(String parentStateId) {
        Require.nonBlank(parentStateId, "parentStateId");
        return hierarchy.getProgressInfo(parentStateId);
    }

    @Override
    public void createChildStatesInTransaction(String parentStateId, List<TaskState> children) {
        Require.nonBlank(parentStateId, "parentStateId");
        Require.nonNull(children, "children");
        hierarchy.createChildStatesInTransaction(parentStateId, children);
    }

    @Override
    public List<TaskState> claimPendingTasks(String workflowExecId, int limit) {
        return leases.claimPendingTasks(workflowExecId, limit);
    }

    @Override
    public List<TaskState> claimPendingTasks(int limit) {
        return leases.claimPendingTasks(limit);
    }

    @Override
    public ChildCompletion completeChild(TaskState child, CompletionStrategy strategy) {
        TaskStateMapping.validateForWrite(child);
        Require.nonNull(strategy, "strategy");
        String parentId = Require.nonBlank(child.parentStateId(), "parentStateId");
        String operation = "completeChild(task_exec_id=" + child.taskExecId() + ", parent_state_id=" + parentId + ")";
        return completeChild(
                child, strategy, operation, tx -> TaskHierarchy.upsertUnlessFinished(tx, child, operation));
    }

    @Override
    public ChildCompletion completeChild(Lease lease, TaskState child, CompletionStrategy strategy) {
        TaskStateMapping.validateForWrite(child);
        Require.nonNull(strategy, "strategy");
        GuardedWrites.requireLeaseOf(lease, child);
        String parentId = Require.nonBlank(child.parentStateId(), "parentStateId");
        String operation = "completeChild(task_exec_id=" + child.taskExecId() + ", parent_state_id=" + parentId
                + ", token=" + lease.token() + ")";
        return completeChild(child, strategy, operation, tx -> GuardedWrites.writeFenced(tx, lease, child, operation));
    }

    private ChildCompletion completeChild(
            TaskState child, CompletionStrategy strategy, String operation, Function<Tx, TaskState> writeChild) {
        try {
            return hierarchy.completeChild(child, strategy, operation, writeChild);
        } catch (StoreException e) {
            throw TaskStateMapping.explainForeignKey(e, child);
        }
    }

    @Override
    public ClaimBatch claimTasks(String workflowExecId, LeaseTerms terms, int limit) {
        return leases.claimTasks(workflowExecId, terms, limit);
    }

    @Override
    public ClaimBatch claimTasks(LeaseTerms terms, int limit) {
        return leases.claimTasks(terms, limit);
    }

    @Override
    public HeartbeatResult heartbeat(Collection<Lease> held, Duration duration) {
        return leases.heartbeat(held, duration);
    }

    @Override
    public List<TaskState> reclaimExpired(int maxAttempts, int limit) {
        return leases.reclaimExpired(maxAttempts, limit);
    }

    @Override
    public TaskState upsertStateWithLease(Lease lease, TaskState state) {
        return guardedWrites.upsertStateWithLease(lease, state);
    }

    @Override
    public TaskState compareAndSetState(TaskState read, TaskState updated) {
        return guardedWrites.compareAndSetState(read, updated);
    }

    @Override
    public List<TaskState> getStatesForUpdate(Tx tx, Collection<String> taskExecIds) {
        Require.nonNull(taskExecIds, "taskExecIds");
        taskExecIds.forEach(id -> Require.nonBlank(id, "taskExecIds[]"));
        String operation = "getStatesForUpdate(" + taskExecIds.size() + " ids)";
        if (taskExecIds.isEmpty()) {
            database.transactions().requireActive(tx, operation);
            return List.of();
        }
        return sql.inTransaction(
                tx,
                operation,
                current -> sql.lock(
                        operation,
                        () -> Statements.query(
                                current, SELECT_FOR_UPDATE_IN_ID_ORDER, TaskStateMapping.rows(operation), (Object)
                                        taskExecIds.toArray(String[]::new))));
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

    /** The SQL and arguments of a {@link TaskStateFilter}: fixed column names, every value bound. */
    static QueryBuilder filterQuery(TaskStateFilter f) {
        TaskCursor after = f.after();
        return new QueryBuilder("SELECT " + TaskStateMapping.COLUMNS + " FROM task_states")
                .whereIfPresent(
                        "status = ?", f.status() == null ? null : f.status().dbValue())
                .whereIfPresent("workflow_id = ?", f.workflowId())
                .whereIfPresent("workflow_exec_id = ?", f.workflowExecId())
                .whereIfPresent("task_id = ?", f.taskId())
                .whereIfPresent("task_exec_id = ?", f.taskExecId())
                .whereIfPresent("parent_state_id = ?", f.parentStateId())
                .whereIfPresent("agent_id = ?", f.agentId())
                .whereIfPresent("action_id = ?", f.actionId())
                .whereIfPresent("tool_id = ?", f.toolId())
                .whereIfPresent(
                        "execution_type = ?",
                        f.executionType() == null ? null : f.executionType().dbValue())
                .whereIfPresent(
                        "(created_at, task_exec_id) > (?, ?)",
                        after == null ? null : after.createdAt(),
                        after == null ? null : after.taskExecId())
                .orderBy("created_at, task_exec_id")
                .limit(f.limit());
    }
}
