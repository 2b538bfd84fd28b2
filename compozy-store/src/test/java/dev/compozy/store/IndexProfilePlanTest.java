package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The repository's statements (EXPLAIN of the exact SQL, private constants read by reflection) on the same
 * 62,800 rows in a database of each index profile: every statement that reads task_states through an
 * index in the default profile still does in the lean one, through the index src/site/index-profile.md
 * names.
 */
@ExtendWith(PostgresExtension.class)
class IndexProfilePlanTest {
    private static final String DEFAULT = "plans_default";
    private static final String LEAN = "plans_lean";

    /**
     * 300 executions of 200 tasks (execution 300: 3,000), every tenth RUNNING: its first 100 tasks done, 10
     * RUNNING with leases (every fifth expired), the rest PENDING; the others all SUCCESS. Tasks 0-7 are
     * top-level, 2 a collection holding the rest but 8-11, which are branches of the parallel task 5; a
     * third of the basic tasks belong to an agent, a third to a tool.
     */
    private static final String DATASET = """
            INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, created_at, updated_at)
            SELECT 'pw-' || lpad(e::text, 4, '0'), 'flow-' || (e % 10), CASE WHEN e % 10 = 0 THEN 'RUNNING' ELSE 'SUCCESS' END,
                   timestamptz '2026-01-01' + e * interval '1 hour', timestamptz '2026-01-01' + e * interval '61 minutes'
            FROM generate_series(1, 300) e;
            INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id, execution_type,
                                     agent_id, action_id, tool_id, parent_state_id, input, output, created_at,
                                     lease_owner, lease_expires_at)
            SELECT CASE WHEN k = 'basic' AND c % 3 = 0 THEN 'agent' WHEN k = 'basic' AND c % 3 = 1 THEN 'tool' ELSE 'task' END,
                   st, 'pt-' || lpad(e::text, 4, '0') || '-' || lpad(c::text, 4, '0'), 'task-' || c,
                   'pw-' || lpad(e::text, 4, '0'), 'flow-' || (e % 10), k,
                   CASE WHEN k = 'basic' AND c % 3 = 0 THEN 'agent-' || (c % 17) END,
                   CASE WHEN k = 'basic' AND c % 3 = 0 THEN 'act-' || (c % 5) END,
                   CASE WHEN k = 'basic' AND c % 3 = 1 THEN 'tool-' || (c % 23) END,
                   CASE WHEN c < 8 THEN NULL WHEN c < 12 THEN 'pt-' || lpad(e::text, 4, '0') || '-0005'
                        ELSE 'pt-' || lpad(e::text, 4, '0') || '-0002' END,
                   '{"prompt": "p"}', CASE WHEN st = 'SUCCESS' THEN '{"ok": true}'::jsonb END,
                   timestamptz '2026-01-01' + e * interval '1 hour' + c * interval '1 second',
                   CASE WHEN st = 'RUNNING' AND k = 'basic' THEN 'worker' END,
                   CASE WHEN st = 'RUNNING' AND k = 'basic'
                        THEN now() + CASE WHEN c % 5 = 0 THEN interval '-1 minute' ELSE interval '1 hour' END END
            FROM (SELECT e, c,
                         CASE WHEN c = 2 THEN 'collection' WHEN c = 5 THEN 'parallel' ELSE 'basic' END AS k,
                         CASE WHEN e % 10 <> 0 THEN 'SUCCESS' WHEN c IN (2, 5) THEN 'RUNNING' WHEN c < 100 THEN 'SUCCESS'
                              WHEN c < 110 THEN 'RUNNING' ELSE 'PENDING' END AS st
                  FROM generate_series(1, 300) e, generate_series(0, CASE WHEN e = 300 THEN 2999 ELSE 199 END) c) t
            ORDER BY e, c""";

    private record Query(String operation, String sql, Object[] args, String leanIndex) {}

    @BeforeAll
    static void bothProfilesWithTheSameRows() throws SQLException {
        TestDatabase db = TestDatabase.get();
        for (String name : List.of(DEFAULT, LEAN)) {
            db.createDatabase(name);
            Migrations.update(db.dataSource(name), name.equals(LEAN) ? IndexProfile.LEAN : IndexProfile.DEFAULT);
            try (Connection connection = db.connect(name);
                    Statement statement = connection.createStatement()) {
                statement.execute(DATASET);
                // VACUUM marks pages all-visible only once the inserting commit is flushed (see QueryPlanTest).
                statement.execute("CHECKPOINT");
                statement.execute("VACUUM ANALYZE");
            }
        }
    }

    private static List<Query> queries() throws SQLException {
        String big = "pw-0300";
        String collection = "pt-0300-0002";
        List<Query> queries = new ArrayList<>(List.of(
                new Query("getState", HibernateTaskRepository.SELECT_BY_ID, args("pt-0010-0050"), "task_states_pkey"),
                new Query(
                        "listTasksInWorkflow",
                        TaskRows.SELECT_TASKS_IN_WORKFLOWS,
                        args((Object) new String[] {"pw-0010"}),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "listTasksByStatus",
                        HibernateTaskRepository.SELECT_TASKS_BY_STATUS,
                        args(big, "RUNNING"),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "listTasksByAgent",
                        HibernateTaskRepository.SELECT_TASKS_BY_AGENT,
                        args(big, "agent-3"),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "listTasksByTool",
                        HibernateTaskRepository.SELECT_TASKS_BY_TOOL,
                        args(big, "tool-3"),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query("listChildren", TaskHierarchy.SELECT_CHILDREN, args(collection), "idx_task_states_parent_"),
                new Query(
                        "listChildrenOutputs",
                        TaskHierarchy.SELECT_CHILDREN_OUTPUTS,
                        args(collection),
                        "idx_task_states_parent_"),
                new Query(
                        "getChildByTaskId",
                        TaskHierarchy.SELECT_CHILD_BY_TASK_ID,
                        args(collection, "task-777"),
                        "idx_task_states_parent_state_task_created_desc"),
                new Query(
                        "getTaskTree",
                        TaskHierarchy.SELECT_TASK_TREE,
                        args("pt-0010-0005", 100),
                        "idx_task_states_parent_"),
                new Query(
                        "getProgressInfo",
                        TaskHierarchy.SELECT_PROGRESS,
                        args(collection),
                        "idx_task_states_parent_status"),
                new Query(
                        "claimPendingTasks(execution)",
                        TaskLeases.CLAIM_PENDING_IN_WORKFLOW,
                        args(big, 10),
                        "idx_task_states_workflow_exec_id_pending"),
                new Query("claimPendingTasks", TaskLeases.CLAIM_PENDING_ANYWHERE, args(10), "idx_task_states_pending"),
                new Query(
                        "claimTasks(execution)",
                        TaskLeases.CLAIM_IN_WORKFLOW,
                        args(big, 10, big, 10, 3, "agent", 30_000L),
                        "idx_task_states_workflow_exec_id_pending"),
                new Query(
                        "claimTasks",
                        TaskLeases.CLAIM_ANYWHERE,
                        args(10, 10, 3, "agent", 30_000L),
                        "idx_task_states_pending"),
                new Query("reclaimExpired", TaskLeases.RECLAIM_EXPIRED, args(3, 10), "idx_task_states_running_leases"),
                new Query(
                        "the cascade of deleteExecution (RI query)",
                        "DELETE FROM ONLY task_states WHERE workflow_exec_id = ?",
                        args(big),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "the cascade to a deleted task's children (RI query)",
                        "DELETE FROM ONLY task_states WHERE parent_state_id = ?",
                        args(collection),
                        "idx_task_states_parent_"),
                new Query(
                        "getExecutionByTaskId",
                        HibernateWorkflowRepository.SELECT_NEWEST_BY_TASK_ID,
                        args("flow-0", "task-150"),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "getExecutionByAgentId",
                        HibernateWorkflowRepository.SELECT_NEWEST_BY_AGENT_ID,
                        args("flow-0", "agent-3"),
                        "idx_task_states_workflow_exec_id_task_id"),
                new Query(
                        "completeWorkflow's top-level tasks",
                        WorkflowCompletion.SELECT_TOP_LEVEL_STATUSES,
                        args(big),
                        "idx_task_states_workflow_exec_id_parent_null")));
        queries.add(listStates(
                "listStates {workflowExecId}, a page",
                TaskStateFilter.builder().workflowExecId(big).limit(100).build(),
                "idx_task_states_"));
        queries.add(listStates(
                "listStates {workflowExecId, PENDING}",
                TaskStateFilter.builder()
                        .workflowExecId(big)
                        .status(Status.PENDING)
                        .limit(100)
                        .build(),
                "idx_task_states_workflow_exec_id_pending"));
        queries.add(listStates(
                "listStates {parentStateId}",
                TaskStateFilter.builder().parentStateId(collection).build(),
                "idx_task_states_parent_"));
        queries.add(listStates(
                "listStates {PENDING}, a page",
                TaskStateFilter.builder().status(Status.PENDING).limit(100).build(),
                "idx_task_states_pending"));
        queries.add(listStates(
                "listStates {taskExecId}",
                TaskStateFilter.builder().taskExecId("pt-0010-0050").build(),
                "task_states_pkey"));
        // A page ordered by (created_at, task_exec_id) walks the created_at index only with an incremental
        // sort, which PostgreSQL has from 13 on; on 12 these two sort the table in both profiles.
        if (serverMajor() >= 13) {
            queries.add(listStates(
                    "listStates {agentId}, a page",
                    TaskStateFilter.builder().agentId("agent-3").limit(100).build(),
                    "idx_task_states_created_at"));
            queries.add(listStates(
                    "listStates {}, a page",
                    TaskStateFilter.builder().limit(100).build(),
                    "idx_task_states_created_at"));
        }
        return queries;
    }

    @Test
    void everyStatementThatReadsTasksThroughAnIndexInTheDefaultProfileStillDoesInTheLeanOne() throws Exception {
        for (Query query : queries()) {
            List<String> standard = taskScans(plan(DEFAULT, query));
            List<String> lean = taskScans(plan(LEAN, query));

            assertThat(standard).as("default: " + query.operation()).noneMatch(scan -> scan.startsWith("Seq Scan"));
            assertThat(lean)
                    .as("lean: " + query.operation())
                    .noneMatch(scan -> scan.startsWith("Seq Scan"))
                    .anyMatch(scan -> scan.matches("(Index|Index Only|Bitmap Index) Scan " + query.leanIndex() + ".*"));
        }
    }

    @Test
    void listingTasksByAnAgentAloneWithoutALimitScansTheTableInTheLeanProfileOnly() throws Exception {
        Query byAgent = listStates(
                "listStates {agentId}",
                TaskStateFilter.builder().agentId("agent-3").build(),
                "");

        assertThat(taskScans(plan(DEFAULT, byAgent))).anyMatch(scan -> scan.endsWith("idx_task_states_agent_id"));
        assertThat(taskScans(plan(LEAN, byAgent))).containsExactly("Seq Scan");
    }

    private static int serverMajor() throws SQLException {
        try (Connection connection = TestDatabase.get().connect(TestDatabase.SHARED_DATABASE)) {
            return connection.getMetaData().getDatabaseMajorVersion();
        }
    }

    private static Object[] args(Object... args) {
        return args;
    }

    private static Query listStates(String operation, TaskStateFilter filter, String leanIndex) {
        QueryBuilder query = HibernateTaskRepository.filterQuery(filter);
        return new Query(operation, query.sql(), query.args(), leanIndex);
    }

    private static JsonNode plan(String database, Query query) throws SQLException {
        try (Connection connection = TestDatabase.get().connect(database);
                PreparedStatement statement = connection.prepareStatement("EXPLAIN (FORMAT JSON) " + query.sql())) {
            for (int i = 0; i < query.args().length; i++) {
                statement.setObject(i + 1, query.args()[i]);
            }
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return Json.mapper().readTree(row.getString(1)).get(0).get("Plan");
            }
        }
    }

    /** The scans of task_states in the plan, depth first: node type and index name. */
    private static List<String> taskScans(JsonNode plan) {
        List<String> scans = new ArrayList<>();
        boolean onTasks = plan.has("Relation Name")
                        && plan.get("Relation Name").asString().equals("task_states")
                || plan.has("Index Name") && plan.get("Index Name").asString().contains("task_states");
        if (plan.get("Node Type").asString().endsWith("Scan") && onTasks) {
            scans.add(plan.get("Node Type").asString()
                    + (plan.has("Index Name") ? " " + plan.get("Index Name").asString() : ""));
        }
        JsonNode children = plan.get("Plans");
        if (children != null) {
            for (JsonNode child : children) {
                scans.addAll(taskScans(child));
            }
        }
        return scans;
    }
}
