package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The plans PostgreSQL chooses for the repository's own SQL (EXPLAIN of the exact constants, with bound
 * parameters) on a vacuumed table of 60,000 rows, where a sequential scan would be the wrong choice.
 */
class QueryPlanTest extends IntegrationTest {

    /**
     * 20 executions of 3,000 tasks, 60,000 rows, statuses cycling. In execution 1 the root has 2,999
     * direct children; in the others it has 300 children with 2,699 grandchildren spread over them.
     */
    @BeforeEach
    void bigTable() throws SQLException {
        execute("""
                INSERT INTO workflow_states (workflow_exec_id, workflow_id, status)
                SELECT 'plan-wf-' || w, 'plan', 'RUNNING' FROM generate_series(1, 20) w""");
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,
                                         execution_type, parent_state_id, output)
                SELECT 'task',
                       CASE WHEN c = 0 THEN 'RUNNING' ELSE (ARRAY['SUCCESS','FAILED','RUNNING','PENDING'])[c % 4 + 1] END,
                       'plan-' || w || '-' || c, 'task-' || c, 'plan-wf-' || w, 'plan',
                       CASE WHEN c = 0 THEN 'parallel' ELSE 'basic' END,
                       CASE WHEN c = 0 THEN NULL WHEN c <= 300 OR w = 1 THEN 'plan-' || w || '-0'
                            ELSE 'plan-' || w || '-' || (c % 300 + 1) END,
                       CASE WHEN c % 2 = 0 THEN '{"ok": true}'::jsonb END
                FROM generate_series(1, 20) w, generate_series(0, 2999) c
                ORDER BY w, c""");
        try (Connection connection = db.connect(TestDatabase.SHARED_DATABASE);
                Statement statement = connection.createStatement()) {
            // The embedded server commits asynchronously; VACUUM only marks pages all-visible (what an
            // index-only scan needs) once the inserting commit is flushed, which CHECKPOINT forces.
            statement.execute("CHECKPOINT");
            statement.execute("VACUUM ANALYZE task_states");
            statement.execute("VACUUM ANALYZE workflow_states");
        }
    }

    private JsonNode plan(String sql, Object... args) throws SQLException {
        try (Connection connection = db.connect(TestDatabase.SHARED_DATABASE);
                PreparedStatement statement = connection.prepareStatement("EXPLAIN (FORMAT JSON) " + sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return dev.compozy.store.Json.mapper()
                        .readTree(row.getString(1))
                        .get(0)
                        .get("Plan");
            }
        }
    }

    /** Every node of the plan, depth first. */
    private static List<JsonNode> nodes(JsonNode plan) {
        List<JsonNode> all = new ArrayList<>();
        all.add(plan);
        JsonNode children = plan.get("Plans");
        if (children != null) {
            for (JsonNode child : children) {
                all.addAll(nodes(child));
            }
        }
        return all;
    }

    private static List<String> scans(JsonNode plan) {
        return nodes(plan).stream()
                .filter(n -> n.get("Node Type").asString().contains("Scan"))
                .map(n -> n.get("Node Type").asString()
                        + (n.has("Index Name") ? " " + n.get("Index Name").asString() : ""))
                .toList();
    }

    @Test
    void progressIsAnIndexOnlyScanOnParentAndStatus() throws SQLException {
        JsonNode plan = plan(TaskHierarchy.SELECT_PROGRESS, "plan-1-0");

        assertThat(scans(plan)).containsExactly("Index Only Scan idx_task_states_parent_status");
        assertThat(count("SELECT relallvisible FROM pg_class WHERE relname = 'task_states'"))
                .as("vacuumed")
                .isPositive();
    }

    @Test
    void theTreesRecursiveStepFindsChildrenThroughTheParentIndex() throws SQLException {
        JsonNode plan = plan(TaskHierarchy.SELECT_TASK_TREE, "plan-2-0", 100);

        JsonNode recursiveUnion = nodes(plan).stream()
                .filter(n -> n.get("Node Type").asString().equals("Recursive Union"))
                .findFirst()
                .orElseThrow();
        JsonNode recursiveStep = recursiveUnion.get("Plans").get(1);
        assertThat(scans(recursiveStep))
                .noneMatch(s -> s.startsWith("Seq Scan"))
                .anyMatch(s -> s.matches("(Index|Index Only|Bitmap Index) Scan idx_task_states_parent.*"));
        assertThat(scans(recursiveUnion.get("Plans").get(0))).allMatch(s -> s.contains("task_states_pkey"));
    }

    /** No sequential scan, and the rows are found through an index whose name starts with the prefix. */
    private static void usesIndex(JsonNode plan, String indexPrefix) {
        List<String> scans = scans(plan);
        assertThat(scans)
                .as("scans")
                .noneMatch(s -> s.startsWith("Seq Scan"))
                .anyMatch(s -> s.matches("(Index|Index Only|Bitmap Index) Scan " + indexPrefix + ".*"));
    }

    @Test
    void childrenAreFoundThroughAParentIndex() throws SQLException {
        usesIndex(plan(TaskHierarchy.SELECT_CHILDREN, "plan-2-0"), "idx_task_states_parent");
        usesIndex(plan(TaskHierarchy.SELECT_CHILD_BY_TASK_ID, "plan-2-0", "task-5"), "idx_task_states_parent");
        usesIndex(plan(TaskHierarchy.SELECT_CHILDREN_OUTPUTS, "plan-2-0"), "idx_task_states_parent");
    }

    @Test
    void workflowLookupsUseTheWorkflowExecIdIndexes() throws SQLException {
        usesIndex(
                plan(HibernateTaskRepository.SELECT_TASKS_BY_STATUS, "plan-wf-1", "RUNNING"),
                "idx_task_states_workflow_exec");
        usesIndex(
                plan(TaskRows.SELECT_TASKS_IN_WORKFLOWS, (Object) new String[] {"plan-wf-1"}),
                "idx_task_states_workflow_exec");
    }

    @Test
    void claimsAndReclaimFindExpiredLeasesAmongTheLeasedTasksOfThePartialIndex() throws SQLException {
        execute("""
                UPDATE task_states SET lease_owner = 'agent',
                       lease_expires_at = now() + CASE WHEN task_exec_id LIKE '%7' THEN interval '-1 minute'
                                                       ELSE interval '1 hour' END
                WHERE status = 'RUNNING'""");
        try (Connection connection = db.connect(TestDatabase.SHARED_DATABASE);
                Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
            statement.execute("VACUUM ANALYZE task_states");
        }

        assertThat(scans(plan(TaskLeases.CLAIM_ANYWHERE, 10, 10, 3, "agent", 30_000L)))
                .anyMatch(scan -> scan.endsWith("idx_task_states_running_leases"));
        assertThat(scans(plan(TaskLeases.CLAIM_IN_WORKFLOW, "plan-wf-1", 10, "plan-wf-1", 10, 3, "agent", 30_000L)))
                .anyMatch(scan -> scan.endsWith("idx_task_states_running_leases"));
        assertThat(scans(plan(TaskLeases.RECLAIM_EXPIRED, 3, 10)))
                .anyMatch(scan -> scan.endsWith("idx_task_states_running_leases"));
    }
}
