package dev.compozy.store;

import dev.compozy.store.bench.BenchDatabase;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema-cost baselines: the least a hand-written DAO does for each workload, on either the store's
 * own tables (same schema: every index and foreign key of the profile) or the lean tables (same columns,
 * the primary key and one index on {@code workflow_exec_id}, no foreign key). One connection held for the
 * run, every statement prepared once; rows decoded by the store's own reader, so that what differs
 * between a baseline and the store is the statements sent and the schema they write, not the JSON code.
 */
public final class LeanJdbc implements AutoCloseable {
    /** The lean tables, made {@code LIKE} the store's so that the columns and their defaults are the same. */
    public static final List<String> CREATE_LEAN_TABLES = List.of(
            "CREATE TABLE lean_workflows (LIKE workflow_states INCLUDING DEFAULTS, PRIMARY KEY (workflow_exec_id))",
            "CREATE TABLE lean_tasks (LIKE task_states INCLUDING DEFAULTS, PRIMARY KEY (task_exec_id))",
            "CREATE INDEX lean_tasks_workflow_exec_id ON lean_tasks (workflow_exec_id)");

    private static final String TASK_INSERT_COLUMNS = "task_exec_id, task_id, workflow_exec_id, workflow_id, component,"
            + " status, execution_type, agent_id, action_id, tool_id, parent_state_id, input, output, error";

    private final Connection connection;
    private final PreparedStatement insertWorkflow;
    private final PreparedStatement insertTask;
    private final PreparedStatement update;
    private final PreparedStatement get;
    private final PreparedStatement workflow;
    private final PreparedStatement tasks;

    /** On the lean tables ({@code lean = true}) or the store's. */
    public LeanJdbc(String database, boolean lean) throws SQLException {
        String workflows = lean ? "lean_workflows" : "workflow_states";
        String taskTable = lean ? "lean_tasks" : "task_states";
        connection = BenchDatabase.connect(database, false);
        insertWorkflow = connection.prepareStatement("INSERT INTO " + workflows
                + " (workflow_exec_id, workflow_id, status, input) VALUES (?, ?, ?, ?::jsonb)");
        insertTask = connection.prepareStatement("INSERT INTO " + taskTable + " (" + TASK_INSERT_COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)");
        update = connection.prepareStatement("UPDATE " + taskTable
                + " SET status = ?, output = ?::jsonb, updated_at = now() WHERE task_exec_id = ?");
        get = connection.prepareStatement(
                "SELECT " + TaskRows.COLUMNS + " FROM " + taskTable + " WHERE task_exec_id = ?");
        workflow = connection.prepareStatement("SELECT workflow_exec_id, workflow_id, status, input, output, error,"
                + " created_at, updated_at FROM " + workflows + " WHERE workflow_exec_id = ?");
        tasks = connection.prepareStatement(
                "SELECT " + TaskRows.COLUMNS + " FROM " + taskTable + " WHERE workflow_exec_id = ?");
    }

    /** The execution and its tasks in one transaction: one insert and one batch. */
    public void create(String workflowExecId, String workflowId, List<TaskState> states) throws SQLException {
        connection.setAutoCommit(false);
        try {
            Jdbc.bind(insertWorkflow, workflowExecId, workflowId, Status.RUNNING.dbValue(), "{\"bench\": true}");
            insertWorkflow.executeUpdate();
            for (TaskState state : states) {
                Jdbc.bind(insertTask, TaskStateMapping.upsertArgs(state));
                insertTask.addBatch();
            }
            insertTask.executeBatch();
            connection.commit();
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** What a task's progress changes: its status, its output and {@code updated_at}. */
    public void update(String taskExecId, Status status, String outputJson) throws SQLException {
        Jdbc.bind(update, status.dbValue(), outputJson, taskExecId);
        update.executeUpdate();
    }

    public TaskState get(String taskExecId) throws SQLException {
        get.setString(1, taskExecId);
        try (ResultSet row = get.executeQuery()) {
            if (!row.next()) {
                return null;
            }
            TaskRows.RowReader reader = new TaskRows.RowReader("get");
            reader.readKey(row);
            return reader.readState(row);
        }
    }

    /** The execution's row, then its tasks, newest per task_id: two auto-committed statements. */
    public Map<String, TaskState> workflowWithTasks(String workflowExecId) throws SQLException {
        workflow.setString(1, workflowExecId);
        try (ResultSet row = workflow.executeQuery()) {
            if (!row.next()) {
                return null;
            }
        }
        tasks.setString(1, workflowExecId);
        Map<String, TaskState> byTaskId = new LinkedHashMap<>();
        TaskRows.RowReader reader = new TaskRows.RowReader("workflow");
        try (ResultSet rows = tasks.executeQuery()) {
            while (rows.next()) {
                reader.readKey(rows);
                TaskState kept = byTaskId.get(reader.taskId());
                if (kept == null || reader.isNewerThan(kept)) {
                    byTaskId.put(reader.taskId(), reader.readState(rows));
                }
            }
        }
        return byTaskId;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
