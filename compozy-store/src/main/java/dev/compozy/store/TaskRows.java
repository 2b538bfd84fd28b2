package dev.compozy.store;

import dev.compozy.store.core.Component;
import dev.compozy.store.core.ExecutionError;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.TaskState;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The read side of a {@code task_states} row, shared by the task repository and the workflow repository's
 * reads of executions with their tasks: the column order, the read rules of the spec, the row reader, and the
 * read of the tasks of executions, newest row per task_id, in a transaction already open.
 */
final class TaskRows {
    /** The columns every native task query selects first, in the order {@link RowReader} reads them. */
    public static final String COLUMNS = "task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, "
            + "execution_type, agent_id, action_id, tool_id, parent_state_id, input, output, error, created_at, "
            + "updated_at";

    /** How many columns {@link #COLUMNS} names. */
    public static final int COLUMN_COUNT = 16;

    /**
     * Every row of the executions, unsorted: the newest row per task_id is picked in Java. A
     * {@code DISTINCT ON} would sort every full row first, and at 100,000 rows that sort spilled to disk
     * and took 200 ms of a scan that takes 14 ms on its own.
     */
    static final String SELECT_TASKS_IN_WORKFLOWS =
            "SELECT " + COLUMNS + " FROM task_states WHERE workflow_exec_id = ANY (?)";

    /**
     * Lists read through a cursor in steps this big, so the driver never holds more than this many raw rows
     * beside the states built from them: at 100,000 tasks that cut the collector's pauses from 61 to 13 ms
     * per call. Up to this many rows it is one round trip, as without a cursor.
     */
    static final int LIST_FETCH_SIZE = 10_000;

    private TaskRows() {}

    /** The read rules: exact status names, and an agent or tool id decides the component. */
    public static TaskState assemble(
            String taskExecId,
            String taskId,
            String workflowExecId,
            String workflowId,
            String component,
            String status,
            String executionType,
            String agentId,
            String actionId,
            String toolId,
            String parentStateId,
            Map<String, Object> input,
            Map<String, Object> output,
            ExecutionError error,
            Instant createdAt,
            Instant updatedAt) {
        Component resolved;
        if (agentId != null) {
            if (actionId == null) {
                throw new IllegalArgumentException("agent_id '" + agentId + "' is set but action_id is missing");
            }
            resolved = Component.AGENT;
        } else if (toolId != null) {
            resolved = Component.TOOL;
        } else {
            resolved = Component.fromDb(component);
        }
        return new TaskState(
                taskExecId,
                taskId,
                workflowExecId,
                workflowId,
                resolved,
                Status.fromDb(status),
                ExecutionType.fromDb(executionType),
                agentId,
                actionId,
                toolId,
                parentStateId,
                input,
                output,
                error,
                createdAt,
                updatedAt);
    }

    /** The tasks of the executions, newest row per task_id, read in {@code tx}; the workflow reads use it too. */
    static Map<String, Map<String, TaskState>> tasksByExecution(Tx tx, String operation, Collection<String> execIds) {
        Map<String, Map<String, TaskState>> result = new LinkedHashMap<>();
        execIds.forEach(id -> result.put(id, new LinkedHashMap<>()));
        TaskRows.RowReader row = new TaskRows.RowReader(operation);
        Statements.forEach(
                tx,
                SELECT_TASKS_IN_WORKFLOWS,
                LIST_FETCH_SIZE,
                rows -> {
                    row.readKey(rows);
                    Map<String, TaskState> states = result.get(row.workflowExecId());
                    TaskState kept = states.get(row.taskId());
                    if (kept == null || row.isNewerThan(kept)) {
                        states.put(row.taskId(), row.readState(rows));
                    }
                },
                (Object) execIds.toArray(String[]::new));
        return result;
    }

    /**
     * Reads task rows by position (looking columns up by name cost a lower-casing and a map lookup per
     * column per row) in two steps, so newest-wins can drop an older row of a repeated {@code task_id}
     * before its JSON is read. Consecutive rows mostly repeat their execution, workflow, component, status
     * and execution type: those come out as the previous row's string when the bytes are the same, so a
     * list of 100,000 tasks holds one copy of its workflow ids, not 100,000.
     */
    public static final class RowReader {
        private final String operation;
        private final SharedText workflowExecIds = new SharedText();
        private final SharedText workflowIds = new SharedText();
        private final SharedText components = new SharedText();
        private final SharedText statuses = new SharedText();
        private final SharedText executionTypes = new SharedText();
        private final JsonObjectParser json = new JsonObjectParser();
        private final InstantColumn createdAts = new InstantColumn(15);
        private final InstantColumn updatedAts = new InstantColumn(16);
        private String taskExecId;
        private String taskId;
        private String workflowExecId;
        private Instant createdAt;

        public RowReader(String operation) {
            this.operation = operation;
        }

        /** Reads what newest-wins compares: the ids and {@code created_at}. */
        public void readKey(ResultSet row) throws SQLException {
            taskExecId = row.getString(1);
            taskId = row.getString(2);
            workflowExecId = workflowExecIds.read(row, 3);
            createdAt = createdAts.read(row);
        }

        public String taskId() {
            return taskId;
        }

        public String workflowExecId() {
            return workflowExecId;
        }

        /**
         * Whether the row is newer than a state of the same {@code task_id}: a later {@code created_at},
         * then a greater {@code task_exec_id} in code point order (PostgreSQL's "C" collation), which for
         * KSUIDs is also the order they were made in, whatever the database's collation.
         */
        public boolean isNewerThan(TaskState kept) {
            int byTime = createdAt.compareTo(kept.createdAt());
            return byTime != 0 ? byTime > 0 : compareCodePoints(taskExecId, kept.taskExecId()) > 0;
        }

        private static int compareCodePoints(String a, String b) {
            int i = 0;
            int j = 0;
            while (i < a.length() && j < b.length()) {
                int x = a.codePointAt(i);
                int y = b.codePointAt(j);
                if (x != y) {
                    return Integer.compare(x, y);
                }
                i += Character.charCount(x);
                j += Character.charCount(y);
            }
            return Integer.compare(a.length() - i, b.length() - j);
        }

        /** The whole row as a state; after {@link #readKey} on the same row. */
        public TaskState readState(ResultSet row) throws SQLException {
            try {
                return assemble(
                        taskExecId,
                        taskId,
                        workflowExecId,
                        workflowIds.read(row, 4),
                        components.read(row, 5),
                        statuses.read(row, 6),
                        executionTypes.read(row, 7),
                        row.getString(8),
                        row.getString(9),
                        row.getString(10),
                        row.getString(11),
                        json.read(row.getString(12), "input"),
                        json.read(row.getString(13), "output"),
                        ExecutionError.fromMap(json.read(row.getString(14), "error")),
                        createdAt,
                        updatedAts.read(row));
            } catch (IllegalArgumentException e) {
                throw unreadable(operation, taskExecId, e);
            }
        }
    }

    /**
     * A text column whose value, when it repeats the previous row's bytes, is the previous row's string.
     * It keeps the previous row's array to compare with, uncopied, so it is correct only while pgjdbc's
     * {@code getBytes} hands out an array of each row's own that nothing writes to afterwards (42.7 returns
     * the array it received the row's value in). Should pgjdbc ever reuse its buffers across rows, the kept
     * array would change under it: keep a copy ({@code raw.clone()}, once per changed value) or delete this
     * class for {@code getString}.
     */
    private static final class SharedText {
        private byte[] bytes;
        private String text;

        String read(ResultSet row, int column) throws SQLException {
            // The driver's text-format bytes, uncopied and UTF-8: it fixes client_encoding at connect.
            byte[] raw = row.getBytes(column);
            if (raw == null) {
                return null;
            }
            if (!Arrays.equals(raw, bytes)) {
                bytes = raw;
                text = new String(raw, StandardCharsets.UTF_8);
            }
            return text;
        }
    }

    public static StoreException unreadable(String operation, String taskExecId, IllegalArgumentException e) {
        return new StoreException(
                operation, "task_states row '" + taskExecId + "' cannot be read: " + e.getMessage(), e);
    }
}
