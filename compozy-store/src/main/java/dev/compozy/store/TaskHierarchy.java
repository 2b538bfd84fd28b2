package dev.compozy.store;

import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.core.Tx;
import dev.compozy.store.task.ChildCompletion;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The task repository's operations on parents and children: child writes with the same-execution rule,
 * children and their outputs, trees, progress, batched child creation and child completion.
 */
final class TaskHierarchy {
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
    static final String UPSERT_CHILD = """
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
            """ + TaskStateMapping.EVERY_COLUMN_FROM_THE_INSERT + """
                WHERE (t.parent_state_id = EXCLUDED.parent_state_id AND t.workflow_exec_id = EXCLUDED.workflow_exec_id)
                   OR EXISTS (SELECT 1 FROM parent_locked)
                RETURNING t.created_at, t.updated_at
            )
            SELECT (SELECT workflow_exec_id FROM parent), w.created_at, w.updated_at
            FROM (VALUES (1)) AS one LEFT JOIN written w ON true""";

    /** The upsert of a child's completion: a finished child takes no other outcome (see GuardedWrites). */
    private static final String UPSERT_UNLESS_FINISHED_RETURNING = TaskStateMapping.UPSERT_TASK_STATE + " WHERE "
            + GuardedWrites.UPSERT_UNLESS_FINISHED + " RETURNING created_at, updated_at";

    /** Takes the same lock the foreign key check would, so the parent cannot vanish before the insert. */
    private static final String SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE =
            "SELECT workflow_exec_id FROM task_states WHERE task_exec_id = ? FOR KEY SHARE";

    private static final String SELECT_PARENT_FOR_NO_KEY_UPDATE =
            "SELECT workflow_exec_id, status FROM task_states WHERE task_exec_id = ? FOR NO KEY UPDATE";

    private static final String UPDATE_STATUS =
            "UPDATE task_states SET status = ?, updated_at = now() WHERE task_exec_id = ?";

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

    private final Statements sql;
    private final int treeDepthLimit;

    TaskHierarchy(Statements sql, int treeDepthLimit) {
        this.sql = sql;
        this.treeDepthLimit = treeDepthLimit;
    }

    /** Writes a child in one statement with its parent check; see {@link #UPSERT_CHILD}. */
    static TaskState upsertChild(Tx tx, TaskState state, String operation) {
        for (boolean trustStoredLink = true; ; trustStoredLink = false) {
            ChildWrite write = Statements.queryFirst(
                    tx,
                    UPSERT_CHILD,
                    row -> new ChildWrite(row.getString(1), InstantColumn.read(row, 2), InstantColumn.read(row, 3)),
                    TaskStateMapping.upsertArgs(state, trustStoredLink));
            if (write.createdAt() != null) {
                return state.toBuilder()
                        .createdAt(write.createdAt())
                        .updatedAt(write.updatedAt())
                        .build();
            }
            requireParent(write.parentWorkflow(), state, operation);
            // Not written though the parent is in the execution: the stored link changed after the snapshot.
        }
    }

    private record ChildWrite(String parentWorkflow, Instant createdAt, Instant updatedAt) {}

    private static void requireParent(String parentWorkflow, TaskState state, String operation) {
        if (parentWorkflow == null) {
            throw new IllegalArgumentException(
                    "parentStateId: parent task '" + state.parentStateId() + "' does not exist (" + operation + ")");
        }
        if (!parentWorkflow.equals(state.workflowExecId())) {
            throw new IllegalArgumentException(
                    "workflowExecId: task '" + state.taskId() + "' is in workflow execution '"
                            + state.workflowExecId() + "' but its parent '" + state.parentStateId() + "' is in '"
                            + parentWorkflow + "' (" + operation + ")");
        }
    }

    /** A conditional write of a child: the parent check, then {@code write}, in one transaction. */
    TaskState checkedChildWrite(TaskState state, String operation, Function<Tx, TaskState> write) {
        return sql.inTransaction(operation, tx -> {
            requireParent(
                    Statements.queryFirst(
                            tx, SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE, row -> row.getString(1), state.parentStateId()),
                    state,
                    operation);
            return write.apply(tx);
        });
    }

    List<TaskState> listChildren(String parentStateId) {
        String operation = "listChildren(parent_state_id=" + parentStateId + ")";
        return sql.query(operation, SELECT_CHILDREN, TaskStateMapping.rows(operation), parentStateId);
    }

    Map<String, Map<String, Object>> listChildrenOutputs(String parentStateId) {
        String operation = "listChildrenOutputs(parent_state_id=" + parentStateId + ")";
        JsonObjectParser json = new JsonObjectParser();
        Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> child : sql.query(
                operation,
                SELECT_CHILDREN_OUTPUTS,
                row -> Map.entry(row.getString(1), readOutput(json, operation, row)),
                parentStateId)) {
            outputs.put(child.getKey(), child.getValue());
        }
        return outputs;
    }

    private static Map<String, Object> readOutput(JsonObjectParser json, String operation, ResultSet row)
            throws SQLException {
        try {
            return json.read(row.getString(2), "output");
        } catch (IllegalArgumentException e) {
            throw new StoreException(
                    operation,
                    "task_states row '" + row.getString(3) + "' (child task '" + row.getString(1)
                            + "') cannot be read: " + e.getMessage(),
                    e);
        }
    }

    TaskState getChildByTaskId(String parentStateId, String taskId) {
        String operation = "getChildByTaskId(parent_state_id=" + parentStateId + ", task_id=" + taskId + ")";
        TaskState found = sql.queryFirst(
                operation, SELECT_CHILD_BY_TASK_ID, TaskStateMapping.rows(operation), parentStateId, taskId);
        if (found == null) {
            throw new TaskNotFoundException(
                    "getChildByTaskId",
                    parentStateId,
                    "task state '" + parentStateId + "' has no child with task_id '" + taskId + "'");
        }
        return found;
    }

    List<TaskState> getTaskTree(String rootStateId) {
        String operation = "getTaskTree(root=" + rootStateId + ")";
        return sql.query(operation, SELECT_TASK_TREE, TaskStateMapping.rows(operation), rootStateId, treeDepthLimit);
    }

    ProgressInfo getProgressInfo(String parentStateId) {
        String operation = "getProgressInfo(parent_state_id=" + parentStateId + ")";
        return sql.statement(operation, tx -> progress(tx, parentStateId, operation));
    }

    private static ProgressInfo progress(Tx tx, String parentStateId, String operation) {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Map.Entry<String, Integer> group : Statements.query(
                tx, SELECT_PROGRESS, row -> Map.entry(row.getString(1), row.getInt(2)), parentStateId)) {
            counts.put(readStatus(operation, "a child row", group.getKey()), group.getValue());
        }
        return ProgressInfo.of(counts);
    }

    private static Status readStatus(String operation, String row, String status) {
        try {
            return Status.fromDb(status);
        } catch (IllegalArgumentException e) {
            throw new StoreException(operation, row + " cannot be read: " + e.getMessage(), e);
        }
    }

    void createChildStatesInTransaction(String parentStateId, List<TaskState> children) {
        validateChildren(parentStateId, children);
        if (children.isEmpty()) {
            return;
        }
        String operation = "createChildStatesInTransaction(parent_state_id=" + parentStateId + ")";
        sql.inTransaction(operation, tx -> {
            String parentWorkflow = Statements.queryFirst(
                    tx, SELECT_PARENT_WORKFLOW_FOR_KEY_SHARE, row -> row.getString(1), parentStateId);
            if (parentWorkflow == null) {
                throw new TaskNotFoundException(
                        "createChildStatesInTransaction",
                        parentStateId,
                        "parent task state '" + parentStateId + "' not found");
            }
            for (TaskState child : children) {
                requireParent(parentWorkflow, child, operation);
            }
            Statements.batch(
                    tx,
                    TaskStateMapping.UPSERT_TASK_STATE,
                    children.stream()
                            .map(child -> TaskStateMapping.upsertArgs(child))
                            .toList());
            return null;
        });
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
                throw new IllegalArgumentException(
                        "children[" + i + "].taskExecId: '" + child.taskExecId() + "' appears twice");
            }
        }
    }

    /** Writes a finished child unless it is finished already with another outcome. */
    static TaskState upsertUnlessFinished(Tx tx, TaskState child, String operation) {
        TaskState stored = Statements.queryFirst(
                tx,
                UPSERT_UNLESS_FINISHED_RETURNING,
                TaskStateMapping.withTimestamps(child),
                TaskStateMapping.upsertArgs(child));
        if (stored == null) {
            throw GuardedWrites.alreadyTerminal(tx, child, operation);
        }
        return stored;
    }

    /**
     * Locks the parent, writes the child, counts the children and completes the parent when the strategy
     * says so. A refused child write throws out of the transaction, so the parent's lock is all it took.
     */
    ChildCompletion completeChild(
            TaskState child, CompletionStrategy strategy, String operation, Function<Tx, TaskState> writeChild) {
        String parentId = child.parentStateId();
        ChildCompletion completion = sql.inTransaction(operation, tx -> {
            ParentRow parent = sql.lock(
                    operation,
                    () -> Statements.queryFirst(
                            tx,
                            SELECT_PARENT_FOR_NO_KEY_UPDATE,
                            row -> new ParentRow(row.getString(1), row.getString(2)),
                            parentId));
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
                Statements.update(tx, UPDATE_STATUS, implied.dbValue(), parentId);
            }
            return new ChildCompletion(stored, progress, done ? implied : current, done);
        });
        if (completion == null) {
            throw new TaskNotFoundException(
                    "completeChild", parentId, "parent task state '" + parentId + "' not found");
        }
        return completion;
    }

    private record ParentRow(String workflowExecId, String status) {}
}
