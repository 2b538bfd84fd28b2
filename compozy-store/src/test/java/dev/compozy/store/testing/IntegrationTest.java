package dev.compozy.store.testing;

import dev.compozy.store.Store;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Base of tests against the run's shared database: one {@link Store} for the whole JVM, and empty tables
 * before every test.
 */
@ExtendWith(PostgresExtension.class)
public abstract class IntegrationTest {
    private static Store shared;
    private static Connection admin;

    protected final TestDatabase db = TestDatabase.get();
    protected Store store;
    protected TaskRepository tasks;
    protected WorkflowRepository workflows;

    protected static synchronized Store sharedStore() {
        if (shared == null) {
            shared = Store.open(TestDatabase.get().config());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "close-shared-store"));
        }
        return shared;
    }

    /** One auto-commit connection of "another client", shared by the helpers below. */
    private static synchronized Connection admin() throws SQLException {
        if (admin == null || admin.isClosed()) {
            admin = TestDatabase.get().connect(TestDatabase.SHARED_DATABASE);
        }
        return admin;
    }

    @BeforeEach
    void emptyTablesAndOpenStore() throws SQLException {
        synchronized (IntegrationTest.class) {
            try (Statement statement = admin().createStatement()) {
                statement.execute("TRUNCATE workflow_states, task_states");
            }
        }
        store = sharedStore();
        tasks = store.taskRepository();
        workflows = store.workflowRepository();
    }

    /** A test body that may throw. */
    protected interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} while another thread's transaction holds the row lock of the task (taken with
     * {@code getStateForUpdate}); the lock is released, and its transaction ends, once the body returns.
     */
    protected void whileRowLocked(String taskExecId, Body body) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> tasks.withTx(tx -> {
            tasks.getStateForUpdate(tx, taskExecId);
            locked.countDown();
            Latches.await(release);
        }));
        Latches.await(locked);
        try {
            body.run();
            assertHolding(holder);
        } finally {
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertHolding(CompletableFuture<Void> holder) {
        if (holder.isDone()) {
            throw new AssertionError("the lock holder ended before the body finished");
        }
    }

    /** Runs a query on a connection of its own and returns the first column of the first row. */
    protected Object scalar(String sql, Object... args) {
        synchronized (IntegrationTest.class) {
            return scalarOnAdmin(sql, args);
        }
    }

    private static Object scalarOnAdmin(String sql, Object... args) {
        try (var statement = admin().prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            try (var rows = statement.executeQuery()) {
                return rows.next() ? rows.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    protected long count(String sql, Object... args) {
        return ((Number) scalar(sql, args)).longValue();
    }

    /** Runs a statement on a connection of its own (as "another client" would). */
    protected void execute(String sql, Object... args) {
        synchronized (IntegrationTest.class) {
            try (var statement = admin().prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    statement.setObject(i + 1, args[i]);
                }
                statement.execute();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
