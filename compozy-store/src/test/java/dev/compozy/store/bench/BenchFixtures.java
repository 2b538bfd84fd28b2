package dev.compozy.store.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The data every benchmark reads, written once with set-based SQL before JMH starts. Ids are
 * deterministic so forks find their rows by name.
 */
final class BenchFixtures {
    /** Rows cycled through by the single-row benchmarks (upsert, get, lock-modify-upsert). */
    static final int HOT_ROWS = 1000;

    static final String HOT_EXEC = "wf-hot";
    static final String CHILDREN_EXEC = "wf-children";
    static final String CHILDREN_PARENT = "children-parent";
    static final String LIST_WORKFLOW = "bench-list";
    static final String CLAIM_EXEC = "wf-claim";
    static final int CLAIM_TASKS = 200_000;
    static final String STREAM_EXEC = "wf-stream";
    static final int STREAM_ROWS = 1_000_000;

    /** The scaling sizes: nominal rows, and the node count of the complete 3-ary tree closest to it. */
    static final List<Integer> SIZES = List.of(1_000, 10_000, 100_000);

    private BenchFixtures() {}

    static int treeNodes(int size) {
        return switch (size) {
            case 1_000 -> 1_093;
            case 10_000 -> 9_841;
            case 100_000 -> 88_573;
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    static String treeRoot(int size) {
        return "tree-" + size + "-0";
    }

    static String progressParent(int size) {
        return "progress-" + size;
    }

    static String tasksExec(int size) {
        return "wf-tasks-" + size;
    }

    static String hotId(int i) {
        return "hot-" + i;
    }

    private static final String EXECUTION = """
            INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, input)
            VALUES (?, ?, 'RUNNING', '{"bench": true}')""";

    /** A row of about the size a real task has: a few ids, a small input and output. */
    private static final String TASK_COLUMNS =
            "component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,"
                    + " execution_type, parent_state_id, input, output";

    static void seed(Connection connection) throws SQLException {
        execution(connection, HOT_EXEC, "hot");
        run(
                connection,
                "INSERT INTO task_states (" + TASK_COLUMNS + ") SELECT 'task', 'RUNNING', 'hot-' || g, 'step-' || g,"
                        + " ?, 'hot', 'basic', NULL, jsonb_build_object('n', g, 'source', 'bench'), NULL"
                        + " FROM generate_series(0, ?) g",
                HOT_EXEC,
                HOT_ROWS - 1);

        execution(connection, CHILDREN_EXEC, "children");
        run(
                connection,
                "INSERT INTO task_states (" + TASK_COLUMNS + ") VALUES ('task', 'RUNNING', ?, 'fan-out', ?,"
                        + " 'children', 'parallel', NULL, NULL, NULL)",
                CHILDREN_PARENT,
                CHILDREN_EXEC);

        for (int size : SIZES) {
            int nodes = treeNodes(size);
            execution(connection, "wf-tree-" + size, "tree");
            // Heap numbering: node i's parent is (i - 1) / 3, so each level is three times the one above.
            run(
                    connection,
                    "INSERT INTO task_states (" + TASK_COLUMNS + ") SELECT 'task', 'SUCCESS', 'tree-' || ? || '-' || g,"
                            + " 'node-' || g, ?, 'tree', 'composite', CASE WHEN g = 0 THEN NULL ELSE 'tree-' || ? || '-' || ((g - 1) / 3) END,"
                            + " jsonb_build_object('n', g), jsonb_build_object('ok', true) FROM generate_series(0, ?) g ORDER BY g",
                    size,
                    "wf-tree-" + size,
                    size,
                    nodes - 1);

            execution(connection, "wf-progress-" + size, "progress");
            run(
                    connection,
                    "INSERT INTO task_states (" + TASK_COLUMNS + ") VALUES ('task', 'RUNNING', ?, 'parent', ?,"
                            + " 'progress', 'parallel', NULL, NULL, NULL)",
                    progressParent(size),
                    "wf-progress-" + size);
            run(
                    connection,
                    "INSERT INTO task_states (" + TASK_COLUMNS + ") SELECT 'task',"
                            + " (ARRAY['SUCCESS','SUCCESS','RUNNING','PENDING','FAILED','WAITING','CANCELED','TIMED_OUT'])[g % 8 + 1],"
                            + " 'progress-' || ? || '-' || g, 'child-' || g, ?, 'progress', 'basic', ?, NULL, NULL"
                            + " FROM generate_series(1, ?) g",
                    size,
                    "wf-progress-" + size,
                    progressParent(size),
                    size);

            execution(connection, tasksExec(size), "tasks");
            run(
                    connection,
                    "INSERT INTO task_states (" + TASK_COLUMNS
                            + ") SELECT 'task', 'SUCCESS', 'tasks-' || ? || '-' || g,"
                            + " 'task-' || g, ?, 'tasks', 'basic', NULL, jsonb_build_object('n', g, 'source', 'bench'),"
                            + " jsonb_build_object('rows', g * 10) FROM generate_series(1, ?) g",
                    size,
                    tasksExec(size),
                    size);
        }

        run(
                connection,
                "INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, input, updated_at)"
                        + " SELECT 'list-' || lpad(g::text, 4, '0'), ?, 'SUCCESS', '{\"bench\": true}',"
                        + " now() - g * interval '1 second' FROM generate_series(1, 1000) g",
                LIST_WORKFLOW);
        run(
                connection,
                "INSERT INTO task_states (" + TASK_COLUMNS
                        + ") SELECT 'task', 'SUCCESS', w.workflow_exec_id || '-' || t,"
                        + " 'task-' || t, w.workflow_exec_id, w.workflow_id, 'basic', NULL, jsonb_build_object('n', t),"
                        + " jsonb_build_object('rows', t) FROM workflow_states w, generate_series(1, 5) t WHERE w.workflow_id = ?",
                LIST_WORKFLOW);

        execution(connection, CLAIM_EXEC, "claim");
        run(
                connection,
                "INSERT INTO task_states (" + TASK_COLUMNS + ") SELECT 'task', 'PENDING', 'claim-' || g,"
                        + " 'work-' || g, ?, 'claim', 'basic', NULL, jsonb_build_object('n', g), NULL FROM generate_series(1, ?) g",
                CLAIM_EXEC,
                CLAIM_TASKS);

        try (Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE workflow_states");
            statement.execute("VACUUM ANALYZE task_states");
            // Measure the code, not the disk: the WAL flush at commit and autovacuum runs after the children
            // benchmark's deletes dominated the variance of single-row results (same for both sides).
            statement.execute("ALTER DATABASE " + BenchDatabase.DATABASE + " SET synchronous_commit = off");
            statement.execute("ALTER TABLE task_states SET (autovacuum_enabled = off)");
            statement.execute("ALTER TABLE workflow_states SET (autovacuum_enabled = off)");
        }
    }

    /** The million rows for the streaming memory probe; written only when that probe runs. */
    static void seedStream(Connection connection) throws SQLException {
        execution(connection, STREAM_EXEC, "stream");
        run(
                connection,
                "INSERT INTO task_states (" + TASK_COLUMNS + ") SELECT 'task', 'SUCCESS', 'stream-' || g,"
                        + " 'task-' || g, ?, 'stream', 'basic', NULL, jsonb_build_object('n', g, 'pad', repeat('x', 200)), NULL"
                        + " FROM generate_series(1, ?) g",
                STREAM_EXEC,
                STREAM_ROWS);
    }

    private static void execution(Connection connection, String execId, String workflowId) throws SQLException {
        run(connection, EXECUTION, execId, workflowId);
    }

    private static void run(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            statement.execute();
        }
    }
}
