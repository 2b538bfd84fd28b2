package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.task.TaskStateFilter;
import dev.compozy.store.testing.Latches;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.ExecutionFilter;
import dev.compozy.store.workflow.WorkflowExecution;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Three tenants, one store each, on three schemas of one database. Every tenant holds rows with the same
 * ids (an execution {@value #EXEC}, a parent {@value #PARENT}, children {@code child-1…}) but a different
 * workflow id and a different number of children, so an operation that reached another tenant's rows
 * would return the wrong workflow id or the wrong count.
 */
@ExtendWith(PostgresExtension.class)
class TenantsTest {
    private static final String DATABASE = "compozy_tenants_test";
    private static final String EXEC = "exec-1";
    private static final String PARENT = "parent-1";
    /** Children per tenant: different, so that counts tell the tenants apart. */
    private static final Map<String, Integer> TENANTS = Map.of("tenant_a", 2, "tenant_b", 3, "tenant_c", 4);

    private static final Map<String, Store> stores = new LinkedHashMap<>();
    private static TestDatabase db;

    @BeforeAll
    static void openOneStorePerTenant() {
        db = TestDatabase.get();
        db.createDatabase(DATABASE);
        for (String tenant : List.of("tenant_a", "tenant_b", "tenant_c")) {
            stores.put(
                    tenant,
                    Store.open(db.config(DATABASE)
                            .schema(tenant)
                            .maxPoolSize(4)
                            .autoMigrate(true)
                            .build()));
        }
    }

    @AfterAll
    static void closeStores() {
        stores.values().forEach(Store::close);
    }

    @BeforeEach
    void eachTenantHoldsTheSameIdsWithItsOwnContent() throws SQLException {
        try (Connection admin = db.connect(DATABASE);
                Statement statement = admin.createStatement()) {
            for (String tenant : stores.keySet()) {
                statement.execute("TRUNCATE " + tenant + ".workflow_states, " + tenant + ".task_states");
            }
        }
        stores.forEach((tenant, store) -> {
            store.workflowRepository()
                    .upsertExecution(WorkflowExecution.builder()
                            .workflowExecId(EXEC)
                            .workflowId(workflowOf(tenant))
                            .status(Status.RUNNING)
                            .build());
            TaskState parent = store.taskRepository()
                    .upsertState(TaskState.builder()
                            .taskExecId(PARENT)
                            .taskId("parent")
                            .workflowExecId(EXEC)
                            .workflowId(workflowOf(tenant))
                            .status(Status.RUNNING)
                            .executionType(ExecutionType.PARALLEL)
                            .build());
            List<TaskState> children = new ArrayList<>();
            for (int i = 1; i <= TENANTS.get(tenant); i++) {
                children.add(TaskState.builder()
                        .taskExecId("child-" + i)
                        .taskId("child-" + i)
                        .workflowExecId(EXEC)
                        .workflowId(workflowOf(tenant))
                        .parentStateId(parent.taskExecId())
                        .status(Status.PENDING)
                        .build());
            }
            store.taskRepository().createChildStatesInTransaction(PARENT, children);
        });
    }

    private static String workflowOf(String tenant) {
        return "workflow-of-" + tenant;
    }

    @Test
    void readsSeeOnlyTheirTenantsRows() {
        stores.forEach((tenant, store) -> {
            int children = TENANTS.get(tenant);
            assertThat(store.taskRepository().getState(PARENT).workflowId()).isEqualTo(workflowOf(tenant));
            assertThat(store.taskRepository().listStates(TaskStateFilter.all()))
                    .hasSize(1 + children)
                    .allSatisfy(state -> assertThat(state.workflowId()).isEqualTo(workflowOf(tenant)));
            assertThat(store.taskRepository().listTasksInWorkflow(EXEC)).hasSize(1 + children);
            assertThat(store.taskRepository().listChildren(PARENT)).hasSize(children);
            WorkflowExecution execution = store.workflowRepository().getExecution(EXEC);
            assertThat(execution.workflowId()).isEqualTo(workflowOf(tenant));
            assertThat(execution.tasks()).hasSize(1 + children);
            assertThat(store.workflowRepository().listExecutions(ExecutionFilter.all()))
                    .singleElement()
                    .satisfies(e -> assertThat(e.workflowId()).isEqualTo(workflowOf(tenant)));
        });
    }

    @Test
    void treeAndProgressCoverOnlyTheirTenantsChildren() {
        stores.forEach((tenant, store) -> {
            assertThat(store.taskRepository().getTaskTree(PARENT))
                    .hasSize(1 + TENANTS.get(tenant))
                    .allSatisfy(state -> assertThat(state.workflowId()).isEqualTo(workflowOf(tenant)));
            assertThat(store.taskRepository().getProgressInfo(PARENT).totalChildren())
                    .isEqualTo(TENANTS.get(tenant));
        });
    }

    @Test
    void claimsTakeOnlyTheirTenantsTasks() throws SQLException {
        assertThat(stores.get("tenant_a").taskRepository().claimPendingTasks(100))
                .hasSize(2)
                .allSatisfy(state -> assertThat(state.workflowId()).isEqualTo(workflowOf("tenant_a")));
        assertThat(stores.get("tenant_b")
                        .taskRepository()
                        .claimTasks(LeaseTerms.of("agent-b", Duration.ofMinutes(1)), 100)
                        .claimed())
                .hasSize(3);

        assertThat(pending("tenant_a")).isZero();
        assertThat(pending("tenant_b")).isZero();
        assertThat(pending("tenant_c")).isEqualTo(4);
    }

    @Test
    void aPurgeDeletesOnlyItsTenantsExecutions() throws SQLException {
        stores.values().forEach(store -> store.workflowRepository().updateStatus(EXEC, Status.SUCCESS));

        int purged = stores.get("tenant_b")
                .workflowRepository()
                .purgeExecutions(Instant.now().plusSeconds(3600), Set.of(Status.SUCCESS), 10);

        assertThat(purged).isEqualTo(1);
        assertThat(rows("tenant_b", "workflow_states") + rows("tenant_b", "task_states"))
                .isZero();
        assertThat(rows("tenant_a", "task_states")).isEqualTo(3);
        assertThat(rows("tenant_c", "task_states")).isEqualTo(5);
    }

    @Test
    void theEntityLockOfOneTenantDoesNotHoldTheSameIdInAnother() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Store a = stores.get("tenant_a");
        CompletableFuture<Void> holder =
                CompletableFuture.runAsync(() -> a.taskRepository().withTx(tx -> {
                    a.taskRepository().getStateForUpdate(tx, PARENT);
                    locked.countDown();
                    Latches.await(release);
                }));
        Latches.await(locked);
        try {
            Store b = stores.get("tenant_b");
            TaskState lockedInB = b.taskRepository().fromTx(tx -> {
                tx.setLockTimeout(Duration.ofMillis(500));
                return b.taskRepository().getStateForUpdate(tx, PARENT);
            });
            assertThat(lockedInB.workflowId()).isEqualTo(workflowOf("tenant_b"));
            assertThat(holder).isNotDone();
        } finally {
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void completeWorkflowLocksAndCompletesItsTenantsExecutionOnly() throws SQLException {
        Store c = stores.get("tenant_c");
        c.taskRepository()
                .upsertState(c.taskRepository().getState(PARENT).toBuilder()
                        .status(Status.SUCCESS)
                        .build());

        WorkflowExecution done = c.workflowRepository().completeWorkflow(EXEC);

        assertThat(done.status()).isEqualTo(Status.SUCCESS);
        assertThat(done.workflowId()).isEqualTo(workflowOf("tenant_c"));
        assertThat(stores.get("tenant_a")
                        .workflowRepository()
                        .getExecution(EXEC)
                        .status())
                .isEqualTo(Status.RUNNING);
        assertThat(stores.get("tenant_b")
                        .workflowRepository()
                        .getExecution(EXEC)
                        .status())
                .isEqualTo(Status.RUNNING);
    }

    @Test
    void theEntityMappingNamesTheTenantsSchema() {
        PGSimpleDataSource tenantB = db.dataSource(DATABASE);
        tenantB.setCurrentSchema("tenant_b");
        SqlRecorder recorder = new SqlRecorder(tenantB);
        try (Store b = Store.open(
                recorder.dataSource(), db.config(DATABASE).schema("tenant_b").build())) {
            b.taskRepository().withTx(tx -> {
                b.taskRepository().getStateForUpdate(tx, PARENT);
            });
        }

        assertThat(recorder.matching("for no key update"))
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).contains("tenant_b.task_states"));
    }

    @Test
    void everyTenantHasItsOwnTablesAndChangelogAndNoneIsInPublic() throws SQLException {
        for (String tenant : stores.keySet()) {
            assertThat(rows(tenant, "databasechangelog")).isEqualTo(5);
            assertThat(rows(tenant, "databasechangeloglock")).isEqualTo(1);
        }
        assertThat(scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
                .isZero();
    }

    @Test
    void aNewTenantIsCreatedAndMigratedOnOpenWhileTheOthersWork() throws SQLException {
        try (Store d = Store.open(
                db.config(DATABASE).schema("tenant_d").autoMigrate(true).build())) {
            assertThat(d.taskRepository().listStates(TaskStateFilter.all())).isEmpty();
            assertThat(rows("tenant_d", "databasechangelog")).isEqualTo(5);
        } finally {
            try (Connection admin = db.connect(DATABASE);
                    Statement statement = admin.createStatement()) {
                statement.execute("DROP SCHEMA tenant_d CASCADE");
            }
        }
        assertThat(stores.get("tenant_a").taskRepository().getState(PARENT).workflowId())
                .isEqualTo(workflowOf("tenant_a"));
    }

    @Test
    void aStoreOnAMissingSchemaWithoutAutoMigrateFailsNamingTheSchema() {
        assertThatThrownBy(() ->
                        Store.open(db.config(DATABASE).schema("tenant_missing").build()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema: ")
                .hasMessageContaining("'tenant_missing' does not exist");
    }

    @Test
    void aDataSourceInAnotherSchemaIsRefused() {
        PGSimpleDataSource tenantA = db.dataSource(DATABASE);
        tenantA.setCurrentSchema("tenant_a");

        assertThatThrownBy(() -> Store.open(
                        tenantA, db.config(DATABASE).schema("tenant_b").build()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema 'tenant_a', not 'tenant_b'");
    }

    private static long pending(String tenant) throws SQLException {
        return scalar("SELECT count(*) FROM " + tenant + ".task_states WHERE status = 'PENDING'");
    }

    private static long rows(String tenant, String table) throws SQLException {
        return scalar("SELECT count(*) FROM " + tenant + "." + table);
    }

    private static long scalar(String sql) throws SQLException {
        try (Connection admin = db.connect(DATABASE);
                PreparedStatement statement = admin.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }
}
