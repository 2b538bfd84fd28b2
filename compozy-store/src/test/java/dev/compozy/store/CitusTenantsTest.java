package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.ClaimedTask;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The module on a real Citus coordinator, tenants as distributed schemas (schema-based sharding): runs only
 * when {@value #URL_VARIABLE} names one (a JDBC URL of the coordinator, user and password as parameters),
 * and reports itself skipped otherwise.
 */
class CitusTenantsTest {
    static final String URL_VARIABLE = "COMPOZY_TEST_CITUS_URL";
    private static final int CHILDREN = 1_000;
    private static final int AGENTS = 4;
    /** Every connection of the tenants' stores creates schemas as distributed schemas, the migration's included. */
    private static final String SCHEMA_BASED_SHARDING = "options=-c%20citus.enable_schema_based_sharding%3Don";

    private static final String url = System.getenv(URL_VARIABLE);
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static final List<String> schemas = new ArrayList<>();

    @BeforeEach
    void requireACitusCoordinator() {
        Assumptions.assumeTrue(
                url != null && !url.isBlank(),
                URL_VARIABLE + " is not set: no Citus coordinator to run "
                        + "against (README, Tenants and scaling out)");
    }

    @AfterAll
    static void dropTenants() throws SQLException {
        if (url == null || url.isBlank()) {
            return;
        }
        try (Connection admin = DriverManager.getConnection(url);
                Statement statement = admin.createStatement()) {
            for (String schema : schemas) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void twoTenantsOnDifferentWorkersEachRunTheWholeScenario() throws Exception {
        String first = tenant("a");
        String second = tenant("b");
        try (Store a = open(first, Duration.ofSeconds(3));
                Store b = open(second, Duration.ofSeconds(3))) {
            List<Integer> workers = workers();
            assertThat(workers).hasSizeGreaterThanOrEqualTo(2);
            int firstWorker = worker(first);
            if (worker(second) == firstWorker) {
                move(
                        second,
                        workers.stream()
                                .filter(port -> port != firstWorker)
                                .findFirst()
                                .orElseThrow());
            }
            assertThat(worker(first)).isNotEqualTo(worker(second));
            assertThat(distributedSchemas(first, second)).isEqualTo(2);

            CompletableFuture<Void> inA = CompletableFuture.runAsync(() -> scenario(a));
            CompletableFuture<Void> inB = CompletableFuture.runAsync(() -> scenario(b));
            inA.get(10, TimeUnit.MINUTES);
            inB.get(10, TimeUnit.MINUTES);
        }
    }

    @Test
    void aTenantMovedToAnotherWorkerWhileItsAgentsWorkLosesNothing() throws Exception {
        String moving = tenant("m");
        // Writes wait while the move blocks them: the agents ride over it instead of timing out.
        try (Store store = open(moving, Duration.ofMinutes(2))) {
            int from = worker(moving);
            int to = workers().stream().filter(port -> port != from).findFirst().orElseThrow();
            TaskRepository tasks = store.taskRepository();
            WorkflowExecution execution = execution(store);
            TaskState before = parentWithChildren(tasks, execution, "before-move", CHILDREN);
            Agents agents = new Agents(tasks, execution.workflowExecId());

            agents.awaitCompleted(CHILDREN / 4);
            move(moving, to);
            TaskState after = parentWithChildren(tasks, execution, "after-move", CHILDREN / 4);
            agents.awaitCompleted(CHILDREN + CHILDREN / 4);
            agents.stop();

            assertThat(worker(moving)).isEqualTo(to);
            assertThat(agents.completedIds()).hasSize(CHILDREN + CHILDREN / 4);
            assertThat(agents.duplicates()).isZero();
            assertThat(tasks.getProgressInfo(before.taskExecId()).successCount())
                    .isEqualTo(CHILDREN);
            assertThat(tasks.getProgressInfo(after.taskExecId()).successCount()).isEqualTo(CHILDREN / 4);
            assertThat(tasks.getState(before.taskExecId()).status()).isEqualTo(Status.SUCCESS);
            assertThat(tasks.getState(after.taskExecId()).status()).isEqualTo(Status.SUCCESS);
            assertThat(store.workflowRepository()
                            .completeWorkflow(execution.workflowExecId())
                            .status())
                    .isEqualTo(Status.SUCCESS);
        }
    }

    /** Many children, agents claiming and completing them, tree, progress, completion, purge. */
    private static void scenario(Store store) {
        TaskRepository tasks = store.taskRepository();
        WorkflowExecution execution = execution(store);
        TaskState parent = parentWithChildren(tasks, execution, "fan-out", CHILDREN);
        Agents agents = new Agents(tasks, execution.workflowExecId());
        agents.awaitCompleted(CHILDREN);
        agents.stop();

        assertThat(agents.completedIds()).hasSize(CHILDREN);
        assertThat(agents.duplicates()).isZero();
        assertThat(tasks.getTaskTree(parent.taskExecId())).hasSize(CHILDREN + 1);
        assertThat(tasks.getProgressInfo(parent.taskExecId()).successCount()).isEqualTo(CHILDREN);
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
        assertThat(store.workflowRepository()
                        .completeWorkflow(execution.workflowExecId())
                        .status())
                .isEqualTo(Status.SUCCESS);
        assertThat(store.workflowRepository()
                        .getExecution(execution.workflowExecId())
                        .tasks())
                .hasSize(CHILDREN + 1);
        assertThat(store.workflowRepository()
                        .purgeExecutions(Instant.now().plusSeconds(3600), Set.of(Status.SUCCESS), 100))
                .isEqualTo(1);
        assertThat(tasks.listTasksInWorkflow(execution.workflowExecId())).isEmpty();
    }

    private static WorkflowExecution execution(Store store) {
        return store.workflowRepository()
                .upsertExecution(WorkflowExecution.builder()
                        .workflowExecId(Id.newId())
                        .workflowId("citus-scenario")
                        .status(Status.RUNNING)
                        .build());
    }

    private static TaskState parentWithChildren(
            TaskRepository tasks, WorkflowExecution execution, String taskId, int count) {
        TaskState parent = tasks.upsertState(TaskState.builder()
                .taskExecId(Id.newId())
                .taskId(taskId)
                .workflowExecId(execution.workflowExecId())
                .workflowId(execution.workflowId())
                .status(Status.RUNNING)
                .executionType(ExecutionType.PARALLEL)
                .build());
        List<TaskState> children = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            children.add(TaskState.builder()
                    .taskExecId(Id.newId())
                    .taskId(taskId + "-" + i)
                    .workflowExecId(execution.workflowExecId())
                    .workflowId(execution.workflowId())
                    .parentStateId(parent.taskExecId())
                    .status(Status.PENDING)
                    .build());
        }
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);
        return parent;
    }

    /** Agents that claim under leases and complete what they claimed (fenced by the lease), until stopped. */
    private static final class Agents {
        private final Map<String, String> completed = new ConcurrentHashMap<>();
        private final AtomicInteger duplicates = new AtomicInteger();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<CompletableFuture<Void>> running = new ArrayList<>();

        Agents(TaskRepository tasks, String workflowExecId) {
            for (int n = 0; n < AGENTS; n++) {
                String agent = "agent-" + n;
                running.add(CompletableFuture.runAsync(() -> work(tasks, workflowExecId, agent)));
            }
        }

        private void work(TaskRepository tasks, String workflowExecId, String agent) {
            while (!stopped.get()) {
                List<ClaimedTask> claimed = tasks.claimTasks(
                                workflowExecId, LeaseTerms.of(agent, Duration.ofMinutes(5)), 10)
                        .claimed();
                if (claimed.isEmpty()) {
                    // An idle agent polls, as a real one would; the test waits on completions, not on this.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
                for (ClaimedTask task : claimed) {
                    tasks.completeChild(
                            task.lease(),
                            task.task().toBuilder()
                                    .status(Status.SUCCESS)
                                    .output(Map.of("by", agent))
                                    .build(),
                            CompletionStrategy.WAIT_ALL);
                    if (completed.put(task.task().taskExecId(), agent) != null) {
                        duplicates.incrementAndGet();
                    }
                }
            }
        }

        void awaitCompleted(int count) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (completed.size() < count) {
                for (CompletableFuture<Void> agent : running) {
                    if (agent.isCompletedExceptionally()) {
                        agent.join();
                    }
                }
                assertThat(System.nanoTime())
                        .as("agents completed %d of %d", completed.size(), count)
                        .isLessThan(deadline);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }

        void stop() {
            stopped.set(true);
            running.forEach(CompletableFuture::join);
        }

        Set<String> completedIds() {
            return completed.keySet();
        }

        int duplicates() {
            return duplicates.get();
        }
    }

    private static String tenant(String name) {
        String schema = ("citus_" + name + "_" + RUN).toLowerCase(Locale.ROOT);
        schemas.add(schema);
        return schema;
    }

    /** A store on a fresh tenant: autoMigrate creates the schema, distributed since the session has sharding on. */
    private static Store open(String schema, Duration lockTimeout) {
        String withSharding = url + (url.contains("?") ? "&" : "?") + SCHEMA_BASED_SHARDING;
        return Store.open(StoreConfig.builder()
                .connString(withSharding)
                .schema(schema)
                .autoMigrate(true)
                .maxPoolSize(AGENTS + 2)
                .minIdle(0)
                .lockTimeout(lockTimeout)
                .build());
    }

    private static List<Integer> workers() throws SQLException {
        List<Integer> ports = new ArrayList<>();
        try (Connection admin = DriverManager.getConnection(url);
                Statement statement = admin.createStatement();
                ResultSet rows = statement.executeQuery("SELECT nodeport FROM pg_dist_node WHERE shouldhaveshards"
                        + " AND isactive AND noderole = 'primary' ORDER BY nodeport")) {
            while (rows.next()) {
                ports.add(rows.getInt(1));
            }
        }
        return ports;
    }

    /** The one worker that holds every shard of the tenant's tables, as citus_shards reports it. */
    private static int worker(String schema) throws SQLException {
        List<Integer> ports = new ArrayList<>();
        try (Connection admin = DriverManager.getConnection(url);
                PreparedStatement statement = admin.prepareStatement("SELECT DISTINCT s.nodeport FROM citus_shards s"
                        + " JOIN pg_class c ON c.oid = s.table_name JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname = ?")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ports.add(rows.getInt(1));
                }
            }
        }
        assertThat(ports).as("workers holding tenant %s", schema).hasSize(1);
        return ports.get(0);
    }

    private static long distributedSchemas(String... names) throws SQLException {
        try (Connection admin = DriverManager.getConnection(url);
                PreparedStatement statement = admin.prepareStatement(
                        "SELECT count(*) FROM citus_schemas WHERE schema_name::text = ANY (?)")) {
            statement.setArray(1, admin.createArrayOf("text", names));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static void move(String schema, int port) throws SQLException {
        try (Connection admin = DriverManager.getConnection(url);
                PreparedStatement statement = admin.prepareStatement(
                        "SELECT citus_schema_move(?::regnamespace,"
                                + " (SELECT nodename FROM pg_dist_node WHERE nodeport = ?), ?, shard_transfer_mode => 'block_writes')")) {
            statement.setString(1, schema);
            statement.setInt(2, port);
            statement.setInt(3, port);
            statement.execute();
        }
    }
}
