package dev.compozy.store.spring;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.compozy.store.Store;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store inside Spring-managed transactions of Spring's JDBC transaction manager (the Boot application
 * under src/it/spring-boot runs the JPA one): its writes commit and roll back with the application's, its
 * multi-statement operations never commit on the transaction's connection, and without a transaction it
 * commits its own.
 */
class SpringTransactionTest {
    private static final String DATABASE = "compozy_spring_test";

    private static HikariDataSource pool;
    private static SqlRecorder recorder;
    private static Store store;
    private static Connection admin;

    private TaskRepository tasks;
    private WorkflowRepository workflows;
    private JdbcTemplate jdbc;
    private TransactionTemplate transaction;

    @BeforeAll
    static void openStoreOnASpringManagedDataSource() throws SQLException {
        TestDatabase db = TestDatabase.get();
        db.createDatabase(DATABASE);
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource(DATABASE));
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
        recorder = new SqlRecorder(pool);
        store = Store.open(
                new TransactionJoiningDataSource(recorder.dataSource()),
                db.config(DATABASE).autoMigrate(true).build());
        admin = db.connect(DATABASE);
        admin.createStatement().execute("CREATE TABLE app_orders (id text PRIMARY KEY)");
    }

    @AfterAll
    static void close() throws SQLException {
        store.close();
        pool.close();
        admin.close();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        admin.createStatement().execute("TRUNCATE app_orders, workflow_states, task_states");
        tasks = store.taskRepository();
        workflows = store.workflowRepository();
        jdbc = new JdbcTemplate(recorder.dataSource());
        transaction = new TransactionTemplate(new DataSourceTransactionManager(recorder.dataSource()));
        recorder.clear();
    }

    @Test
    void commitsTheStoresRowsWithTheApplicationsRow() {
        WorkflowExecution execution = execution(workflows);

        transaction.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
            TaskState parent = tasks.upsertState(task(execution, "parent").build());
            tasks.createChildStatesInTransaction(
                    parent.taskExecId(), List.of(child(parent, "a").build()));
            assertThat(countFromAnotherClient("task_states"))
                    .as("nothing visible before Spring commits")
                    .isZero();
            assertThat(recorder.matching(SqlRecorder.COMMIT))
                    .as("the store committed nothing")
                    .isEmpty();
        });

        assertThat(countFromAnotherClient("app_orders")).isEqualTo(1);
        assertThat(countFromAnotherClient("task_states")).isEqualTo(2);
        assertThat(recorder.matching(SqlRecorder.COMMIT))
                .as("Spring's one commit")
                .hasSize(1);
    }

    @Test
    void rollsBackTheStoresRowsAndItsChildBatchWithTheApplicationsRow() {
        WorkflowExecution execution = execution(workflows);

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
                    workflows.updateStatus(execution.workflowExecId(), Status.SUCCESS);
                    TaskState parent =
                            tasks.upsertState(task(execution, "parent").build());
                    tasks.createChildStatesInTransaction(
                            parent.taskExecId(),
                            List.of(
                                    child(parent, "a").build(),
                                    child(parent, "b").build()));
                    throw new IllegalStateException("the application fails after the store's writes");
                }))
                .hasMessage("the application fails after the store's writes");

        assertThat(recorder.matching(SqlRecorder.COMMIT)).isEmpty();
        assertThat(countFromAnotherClient("app_orders")).isZero();
        assertThat(countFromAnotherClient("task_states")).isZero();
        assertThat(workflows.getExecution(execution.workflowExecId()).status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void theStoresOwnTransactionsJoinInsteadOfCommitting() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(
                task(execution, "parent").status(Status.RUNNING).build());
        TaskState first =
                tasks.upsertState(child(parent, "first").status(Status.RUNNING).build());
        recorder.clear();

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
                    tasks.withTx(tx ->
                            tasks.upsertState(tx, child(parent, "in-withTx").build()));
                    tasks.completeChild(
                            first.toBuilder()
                                    .status(Status.SUCCESS)
                                    .output(Map.of("rows", 1))
                                    .build(),
                            CompletionStrategy.WAIT_ALL);
                    tasks.claimPendingTasks(execution.workflowExecId(), 10);
                    assertThat(recorder.matching(SqlRecorder.COMMIT)).isEmpty();
                    assertThat(countFromAnotherClient("app_orders"))
                            .as("not committed early")
                            .isZero();
                    throw new IllegalStateException("rolled back at the end");
                }))
                .hasMessage("rolled back at the end");

        assertThat(tasks.getState(first.taskExecId()).status()).isEqualTo(Status.RUNNING);
        assertThat(tasks.listChildren(parent.taskExecId()))
                .extracting(TaskState::taskId)
                .containsExactly("first");
    }

    @Test
    void getStateForUpdateLocksTheRowOnTheSpringTransactionsConnectionUntilItEnds() {
        WorkflowExecution execution = execution(workflows);
        TaskState state = tasks.upsertState(task(execution, "locked").build());

        transaction.executeWithoutResult(status -> {
            Integer springBackend = jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class);
            int lockingBackend = tasks.fromTx(tx -> {
                tasks.getStateForUpdate(tx, state.taskExecId());
                return Integer.parseInt(tx.withConnection(c -> TestDatabase.rows(c, "SELECT pg_backend_pid()"))
                        .get(0)
                        .get(0));
            });
            assertThat(lockingBackend).isEqualTo(springBackend);
            assertThatThrownBy(() -> lockFromAnotherClient(state.taskExecId()))
                    .as("the row stays locked after withTx returned")
                    .hasMessageContaining("could not obtain lock");
        });

        lockFromAnotherClient(state.taskExecId());
    }

    @Test
    void aStoreFailureTheApplicationCatchesStillRollsBackTheSpringTransaction() {
        WorkflowExecution execution = execution(workflows);
        TaskState orphan =
                task(execution, "orphan").parentStateId("no-such-parent").build();

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
                    try {
                        tasks.createChildStatesInTransaction("no-such-parent", List.of(orphan));
                    } catch (TaskNotFoundException ignored) {
                        // the application carries on; half of its unit of work must not commit
                    }
                }))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.operation()).isEqualTo("commit"))
                .hasMessageContaining("no-such-parent");

        assertThat(countFromAnotherClient("app_orders")).isZero();
    }

    @Test
    void setRollbackOnlyInsideWithTxRollsBackTheSpringTransaction() {
        WorkflowExecution execution = execution(workflows);

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
                    tasks.withTx(tx -> {
                        tasks.upsertState(tx, task(execution, "dry-run").build());
                        tx.setRollbackOnly();
                    });
                }))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("asked for a rollback");

        assertThat(countFromAnotherClient("app_orders")).isZero();
        assertThat(countFromAnotherClient("task_states")).isZero();
    }

    @Test
    void aRetryingTransactionIsRefusedInsideASpringTransaction() {
        WorkflowExecution execution = execution(workflows);
        Consumer<RetryPolicy> retrying = policy -> tasks.withTx(
                policy, tx -> tasks.upsertState(tx, task(execution, "retried").build()));

        transaction.executeWithoutResult(status -> assertThatThrownBy(() -> retrying.accept(RetryPolicy.defaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot join an open one"));

        retrying.accept(RetryPolicy.defaults());
        assertThat(countFromAnotherClient("task_states")).isEqualTo(1);
    }

    @Test
    void outsideASpringTransactionTheStoreCommitsItsOwn() {
        WorkflowExecution execution = execution(workflows);
        TaskState parent = tasks.upsertState(task(execution, "parent").build());

        tasks.createChildStatesInTransaction(
                parent.taskExecId(), List.of(child(parent, "a").build()));
        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.upsertState(tx, child(parent, "undone").build());
                    throw new IllegalStateException("rolled back by the store");
                }))
                .hasMessage("rolled back by the store");

        assertThat(countFromAnotherClient("task_states")).isEqualTo(2);
        assertThat(recorder.matching(SqlRecorder.COMMIT))
                .as("the child batch's own commit")
                .hasSize(1);
    }

    @Test
    void aSuspendedSpringTransactionIsNotJoined() {
        WorkflowExecution execution = execution(workflows);
        TransactionTemplate notSupported = new TransactionTemplate(transaction.getTransactionManager());
        notSupported.setPropagationBehavior(TransactionDefinition.PROPAGATION_NOT_SUPPORTED);

        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO app_orders (id) VALUES ('order-1')");
                    notSupported.executeWithoutResult(none ->
                            tasks.upsertState(task(execution, "committed-alone").build()));
                    throw new IllegalStateException("the outer transaction fails");
                }))
                .hasMessage("the outer transaction fails");

        assertThat(countFromAnotherClient("app_orders")).isZero();
        assertThat(countFromAnotherClient("task_states")).isEqualTo(1);
    }

    private static long countFromAnotherClient(String table) {
        try (var rows = admin.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void lockFromAnotherClient(String taskExecId) {
        try (var statement =
                admin.prepareStatement("SELECT 1 FROM task_states WHERE task_exec_id = ? FOR UPDATE NOWAIT")) {
            statement.setString(1, taskExecId);
            statement.executeQuery().close();
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
