package dev.compozy.store.bench;

import dev.compozy.store.Json;
import dev.compozy.store.core.Component;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same database work as the repositories, written by hand the way a careful engineer would: one
 * connection held for the whole run, each statement prepared once and reused (so the driver switches to
 * server-side prepared statements), batches sent with {@code reWriteBatchedInserts}, rows mapped
 * straight from the result set into the same domain records.
 */
final class JdbcBaseline implements AutoCloseable {
    private static final String COLUMNS = "task_exec_id, task_id, workflow_exec_id, workflow_id, component, status,"
            + " execution_type, agent_id, action_id, tool_id, parent_state_id, input, output, error, created_at, updated_at";
    private static final String UPSERT = """
            INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status,
                                     execution_type, agent_id, action_id, tool_id, parent_state_id, input, output, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)
            ON CONFLICT (task_exec_id) DO UPDATE SET
                task_id = EXCLUDED.task_id, workflow_exec_id = EXCLUDED.workflow_exec_id,
                workflow_id = EXCLUDED.workflow_id, component = EXCLUDED.component, status = EXCLUDED.status,
                execution_type = EXCLUDED.execution_type, agent_id = EXCLUDED.agent_id,
                action_id = EXCLUDED.action_id, tool_id = EXCLUDED.tool_id,
                parent_state_id = EXCLUDED.parent_state_id, input = EXCLUDED.input, output = EXCLUDED.output,
                error = EXCLUDED.error, updated_at = now()""";
    private static final String GET = "SELECT " + COLUMNS + " FROM task_states WHERE task_exec_id = ?";
    private static final String LOCK = GET + " FOR NO KEY UPDATE";
    private static final String PARENT_KEY_SHARE =
            "SELECT workflow_exec_id FROM task_states WHERE task_exec_id = ? FOR KEY SHARE";
    private static final String TREE = """
            WITH RECURSIVE tree AS (
                SELECT t.*, 0 AS depth, ARRAY[t.task_exec_id] AS path FROM task_states t WHERE t.task_exec_id = ?
              UNION ALL
                SELECT c.*, tree.depth + 1, tree.path || c.task_exec_id
                FROM task_states c JOIN tree ON c.parent_state_id = tree.task_exec_id
                WHERE tree.depth < ? AND c.task_exec_id <> ALL (tree.path)
            )
            SELECT %s FROM tree ORDER BY depth, created_at, task_exec_id""".formatted(COLUMNS);
    private static final String PROGRESS =
            "SELECT status, count(*) FROM task_states WHERE parent_state_id = ? GROUP BY status";
    /** Unsorted, newest per task_id picked in Java: the same database work as the repository. */
    private static final String TASKS_IN_WORKFLOWS =
            "SELECT " + COLUMNS + " FROM task_states WHERE workflow_exec_id = ANY (?)";

    private static final Comparator<TaskState> NEWEST_LAST =
            Comparator.comparing(TaskState::createdAt).thenComparing(TaskState::taskExecId);
    private static final String EXECUTION_COLUMNS =
            "workflow_exec_id, workflow_id, status, input, output, error," + " created_at, updated_at";
    private static final String EXECUTION =
            "SELECT " + EXECUTION_COLUMNS + " FROM workflow_states WHERE workflow_exec_id = ?";
    private static final String EXECUTIONS_PAGE =
            "SELECT " + EXECUTION_COLUMNS + " FROM workflow_states WHERE workflow_id = ?"
                    + " ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT ?";
    private static final String CLAIM = """
            UPDATE task_states SET status = 'RUNNING', updated_at = now()
            WHERE task_exec_id = ANY (ARRAY(
                    SELECT task_exec_id FROM task_states WHERE workflow_exec_id = ? AND status = 'PENDING'
                    ORDER BY created_at, task_exec_id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED))
              AND status = 'PENDING'
            RETURNING %s""".formatted(COLUMNS);

    private final Connection connection;
    private final PreparedStatement upsert;
    private final PreparedStatement upsertReturning;
    private final PreparedStatement get;
    private final PreparedStatement lock;
    private final PreparedStatement parentKeyShare;
    private final PreparedStatement tree;
    private final PreparedStatement progress;
    private final PreparedStatement tasksInWorkflows;
    private final PreparedStatement claim;
    private final Connection snapshot;
    private final PreparedStatement execution;
    private final PreparedStatement executionsPage;
    private final PreparedStatement snapshotTasks;

    JdbcBaseline() throws SQLException {
        this(false);
    }

    JdbcBaseline(boolean durable) throws SQLException {
        connection = BenchDatabase.connect(durable);
        upsert = connection.prepareStatement(UPSERT);
        upsertReturning = connection.prepareStatement(UPSERT + " RETURNING created_at, updated_at");
        get = connection.prepareStatement(GET);
        lock = connection.prepareStatement(LOCK);
        parentKeyShare = connection.prepareStatement(PARENT_KEY_SHARE);
        tree = connection.prepareStatement(TREE);
        progress = connection.prepareStatement(PROGRESS);
        tasksInWorkflows = connection.prepareStatement(TASKS_IN_WORKFLOWS);
        claim = connection.prepareStatement(CLAIM);
        snapshot = BenchDatabase.connect();
        snapshot.setAutoCommit(false);
        snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        execution = snapshot.prepareStatement(EXECUTION);
        executionsPage = snapshot.prepareStatement(EXECUTIONS_PAGE);
        snapshotTasks = snapshot.prepareStatement(TASKS_IN_WORKFLOWS);
    }

    void upsert(TaskState state) throws SQLException {
        bindUpsert(state);
        upsert.executeUpdate();
    }

    /** The upsert as the repository runs it: returning the stored timestamps. */
    TaskState upsertReturning(TaskState state) throws SQLException {
        bind(upsertReturning, state);
        try (ResultSet row = upsertReturning.executeQuery()) {
            row.next();
            return state.toBuilder()
                    .createdAt(row.getObject(1, OffsetDateTime.class).toInstant())
                    .updatedAt(row.getObject(2, OffsetDateTime.class).toInstant())
                    .build();
        }
    }

    TaskState get(String id) throws SQLException {
        get.setString(1, id);
        try (ResultSet row = get.executeQuery()) {
            return row.next() ? map(row) : null;
        }
    }

    /** Lock, change the status, write back: one transaction. */
    void lockModifyUpsert(String id, Status status) throws SQLException {
        connection.setAutoCommit(false);
        try {
            lock.setString(1, id);
            TaskState current;
            try (ResultSet row = lock.executeQuery()) {
                row.next();
                current = map(row);
            }
            upsert(current.toBuilder().status(status).build());
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Check the parent, then every child in one batch: one transaction. */
    void createChildren(String parentId, List<TaskState> children) throws SQLException {
        connection.setAutoCommit(false);
        try {
            parentKeyShare.setString(1, parentId);
            try (ResultSet row = parentKeyShare.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("parent " + parentId + " not found");
                }
            }
            for (TaskState child : children) {
                bindUpsert(child);
                upsert.addBatch();
            }
            upsert.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    List<TaskState> tree(String rootId, int depthLimit) throws SQLException {
        tree.setString(1, rootId);
        tree.setInt(2, depthLimit);
        return list(tree);
    }

    ProgressInfo progress(String parentId) throws SQLException {
        progress.setString(1, parentId);
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        try (ResultSet rows = progress.executeQuery()) {
            while (rows.next()) {
                counts.put(Status.fromDb(rows.getString(1)), rows.getInt(2));
            }
        }
        return ProgressInfo.of(counts);
    }

    Map<String, TaskState> tasksInWorkflow(String execId) throws SQLException {
        return tasksInWorkflows(connection, tasksInWorkflows, List.of(execId)).get(execId);
    }

    /** One execution with its tasks (newest per task_id), in one REPEATABLE READ transaction of the snapshot connection. */
    WorkflowExecution execution(String execId) throws SQLException {
        try {
            execution.setString(1, execId);
            WorkflowExecution found;
            try (ResultSet row = execution.executeQuery()) {
                found = row.next() ? mapExecution(row) : null;
            }
            WorkflowExecution result = found == null
                    ? null
                    : found.withTasks(tasksInWorkflows(snapshot, snapshotTasks, List.of(execId))
                            .get(execId));
            snapshot.commit();
            return result;
        } catch (SQLException e) {
            snapshot.rollback();
            throw e;
        }
    }

    /** A page of executions with their tasks, read in one REPEATABLE READ transaction of a snapshot connection. */
    List<WorkflowExecution> executionsPage(String workflowId, int limit) throws SQLException {
        try {
            executionsPage.setString(1, workflowId);
            executionsPage.setInt(2, limit);
            List<WorkflowExecution> page = new ArrayList<>();
            try (ResultSet rows = executionsPage.executeQuery()) {
                while (rows.next()) {
                    page.add(mapExecution(rows));
                }
            }
            Map<String, Map<String, TaskState>> tasks = tasksInWorkflows(
                    snapshot,
                    snapshotTasks,
                    page.stream().map(WorkflowExecution::workflowExecId).toList());
            List<WorkflowExecution> result = new ArrayList<>(page.size());
            for (WorkflowExecution execution : page) {
                result.add(execution.withTasks(tasks.get(execution.workflowExecId())));
            }
            snapshot.commit();
            return result;
        } catch (SQLException e) {
            snapshot.rollback();
            throw e;
        }
    }

    List<TaskState> claim(String execId, int limit) throws SQLException {
        claim.setString(1, execId);
        claim.setInt(2, limit);
        return list(claim);
    }

    private static Map<String, Map<String, TaskState>> tasksInWorkflows(
            Connection on, PreparedStatement statement, List<String> execIds) throws SQLException {
        Map<String, Map<String, TaskState>> result = new LinkedHashMap<>();
        execIds.forEach(id -> result.put(id, new LinkedHashMap<>()));
        statement.setArray(1, on.createArrayOf("text", execIds.toArray()));
        for (TaskState state : list(statement)) {
            result.get(state.workflowExecId())
                    .merge(
                            state.taskId(),
                            state,
                            (kept, other) -> NEWEST_LAST.compare(kept, other) >= 0 ? kept : other);
        }
        return result;
    }

    private static List<TaskState> list(PreparedStatement statement) throws SQLException {
        List<TaskState> states = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                states.add(map(rows));
            }
        }
        return states;
    }

    private void bindUpsert(TaskState s) throws SQLException {
        bind(upsert, s);
    }

    private static void bind(PreparedStatement upsert, TaskState s) throws SQLException {
        upsert.setString(1, s.taskExecId());
        upsert.setString(2, s.taskId());
        upsert.setString(3, s.workflowExecId());
        upsert.setString(4, s.workflowId());
        upsert.setString(5, s.component().dbValue());
        upsert.setString(6, s.status().dbValue());
        upsert.setString(7, s.executionType().dbValue());
        upsert.setString(8, s.agentId());
        upsert.setString(9, s.actionId());
        upsert.setString(10, s.toolId());
        upsert.setString(11, s.parentStateId());
        upsert.setString(12, Json.toJsonb(s.input()));
        upsert.setString(13, Json.toJsonb(s.output()));
        upsert.setString(14, Json.toJsonb(s.error()));
    }

    private static WorkflowExecution mapExecution(ResultSet row) throws SQLException {
        return new WorkflowExecution(
                row.getString(1),
                row.getString(2),
                Status.fromDb(row.getString(3)),
                Json.objectFromJsonb(row.getString(4)),
                Json.objectFromJsonb(row.getString(5)),
                Json.fromJsonb(row.getString(6), ExecutionError.class),
                row.getObject(7, OffsetDateTime.class).toInstant(),
                row.getObject(8, OffsetDateTime.class).toInstant(),
                Map.of());
    }

    private static TaskState map(ResultSet row) throws SQLException {
        return new TaskState(
                row.getString(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                Component.fromDb(row.getString(5)),
                Status.fromDb(row.getString(6)),
                ExecutionType.fromDb(row.getString(7)),
                row.getString(8),
                row.getString(9),
                row.getString(10),
                row.getString(11),
                Json.objectFromJsonb(row.getString(12)),
                Json.objectFromJsonb(row.getString(13)),
                Json.fromJsonb(row.getString(14), ExecutionError.class),
                row.getObject(15, OffsetDateTime.class).toInstant(),
                row.getObject(16, OffsetDateTime.class).toInstant());
    }

    @Override
    public void close() throws SQLException {
        connection.close();
        snapshot.close();
    }
}
