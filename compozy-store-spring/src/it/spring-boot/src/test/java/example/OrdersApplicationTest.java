package example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Migrations;
import dev.compozy.store.Store;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.metrics.MicrometerStoreMetrics;
import dev.compozy.store.spring.TransactionJoiningDataSource;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on a real PostgreSQL: COMPOZY_TEST_JDBC_URL's server (in a database of its own) if set,
 * else an embedded one. Boot's Liquibase rolls out the store's changelog.
 */
@SpringBootTest
class OrdersApplicationTest {
    private static final String DATABASE = "compozy_spring_boot_it";
    private static String url;
    private static EmbeddedPostgres embedded;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException, SQLException {
        if (url == null) {
            url = startDatabase();
        }
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.liquibase.change-log", () -> "classpath:" + Migrations.CHANGELOG);
    }

    private static String startDatabase() throws IOException, SQLException {
        String server = System.getenv("COMPOZY_TEST_JDBC_URL");
        if (server == null || server.isBlank()) {
            embedded = EmbeddedPostgres.builder().start();
            return embedded.getJdbcUrl("postgres", "postgres");
        }
        String user = System.getenv("COMPOZY_TEST_JDBC_USER");
        String password = System.getenv("COMPOZY_TEST_JDBC_PASSWORD");
        try (Connection connection = DriverManager.getConnection(server, user, password);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + DATABASE);
            statement.execute("CREATE DATABASE " + DATABASE);
        }
        String database = server.replaceFirst("^(jdbc:postgresql://[^/]*/)[^?]*", "$1" + DATABASE);
        if (user == null) {
            return database;
        }
        return database + (database.contains("?") ? "&" : "?") + "user=" + user
                + (password == null ? "" : "&password=" + password);
    }

    @Autowired
    OrderService service;

    @Autowired
    PurchaseOrders orders;

    @Autowired
    TaskRepository tasks;

    @Autowired
    WorkflowRepository workflows;

    @Autowired
    Store store;

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    MeterRegistry registry;

    @BeforeEach
    void emptyTables() {
        jdbc.execute("TRUNCATE purchase_orders, workflow_states, task_states");
    }

    @Test
    void theStoreRunsOnBootsDataSourceAndJoinsItsTransactions() {
        assertThat(store.database().dataSource())
                .isInstanceOfSatisfying(
                        TransactionJoiningDataSource.class,
                        joining -> assertThat(joining.getTargetDataSource()).isSameAs(dataSource));
        assertThat(tasks).isSameAs(store.taskRepository());
        assertThat(workflows).isSameAs(store.workflowRepository());
    }

    @Test
    void commitsTheStoresRowsWithTheApplicationsRow() {
        String execId = service.place("order-1", List.of("pick", "pack"), false);

        assertThat(orders.findById("order-1")).isPresent();
        assertThat(workflows.getExecution(execId).tasks()).containsOnlyKeys("ship", "pick", "pack");
    }

    @Test
    void rollsBackTheStoresRowsAndItsChildBatchWithTheApplicationsRow() {
        assertThatThrownBy(() -> service.place("order-2", List.of("pick", "pack"), true))
                .hasMessage("payment declined for order-2");

        assertThat(orders.count()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM workflow_states", Long.class))
                .isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM task_states", Long.class))
                .isZero();
    }

    @Test
    void theStoresRowLockIsTakenOnTheTransactionsConnection() {
        String execId = service.place("order-3", List.of("pick"), false);
        String pick = workflows.getExecution(execId).tasks().get("pick").taskExecId();

        List<Integer> sessions = service.sessionsOfOneTransaction(pick);
        service.finish(pick);

        assertThat(sessions.get(1)).isEqualTo(sessions.get(0));
        assertThat(tasks.getState(pick).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void outsideASpringTransactionTheStoreCommitsItsOwn() {
        String execId = service.place("order-4", List.of(), false);
        String ship = workflows.getExecution(execId).tasks().get("ship").taskExecId();

        tasks.createChildStatesInTransaction(
                ship,
                List.of(TaskState.builder()
                        .taskExecId(Id.newId())
                        .taskId("late")
                        .workflowExecId(execId)
                        .workflowId("fulfil-order")
                        .status(Status.PENDING)
                        .parentStateId(ship)
                        .build()));
        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.upsertState(
                            tx,
                            tasks.getState(ship).toBuilder()
                                    .status(Status.FAILED)
                                    .build());
                    throw new IllegalStateException("undone by the store's own rollback");
                }))
                .hasMessage("undone by the store's own rollback");

        assertThat(tasks.listChildren(ship)).extracting(TaskState::taskId).containsExactly("late");
        assertThat(tasks.getState(ship).status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void aRetryingTransactionIsRefusedInsideASpringTransaction() {
        String execId = service.place("order-5", List.of(), false);
        String ship = workflows.getExecution(execId).tasks().get("ship").taskExecId();

        assertThatThrownBy(() -> service.retryInside(ship))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a retrying transaction cannot join an open one");
    }

    @Test
    void storeOperationsAreTimedInBootsMeterRegistry() {
        service.place("order-6", List.of("pick"), false);

        assertThat(registry.find(MicrometerStoreMetrics.OPERATIONS)
                        .tags("operation", "createChildStatesInTransaction", "outcome", "success")
                        .timer())
                .isNotNull()
                .satisfies(timer -> assertThat(timer.count()).isPositive());
    }

    @Test
    void bootsLiquibaseRecordedTheChangeSetsTheStoresMigrationApplies() {
        long applied = jdbc.queryForObject("SELECT count(*) FROM databasechangelog", Long.class);

        Migrations.update(dataSource);

        assertThat(applied).isPositive();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM databasechangelog", Long.class))
                .isEqualTo(applied);
    }
}
