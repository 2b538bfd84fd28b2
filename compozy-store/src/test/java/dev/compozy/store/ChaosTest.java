package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Killed backends and a restarted server: no partial writes, and the store recovers by itself. */
class ChaosTest extends IntegrationTest {
    private static final String CHAOS_APP = "compozy-chaos";
    private static final int CHILDREN = 30_000;

    @Test
    void killingEveryBackendMidBatchLeavesAllOrNoneAndTheStoreRecovers() throws Exception {
        TaskState parent = tasks.upsertState(task(execution(workflows), "parent")
                .executionType(ExecutionType.PARALLEL)
                .build());
        List<TaskState> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            children.add(child(parent, "c" + i).build());
        }
        try (Store chaos = Store.open(db.config().toBuilder()
                .applicationName(CHAOS_APP)
                .maxPoolSize(4)
                .minIdle(4)
                .build())) {
            CompletableFuture<Void> batch = CompletableFuture.runAsync(
                    () -> chaos.taskRepository().createChildStatesInTransaction(parent.taskExecId(), children));
            awaitActiveInsert();
            long killed = count(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?",
                    CHAOS_APP);

            Throwable failure = outcome(batch);
            long written = count("SELECT count(*) FROM task_states WHERE parent_state_id = ?", parent.taskExecId());
            System.out.println("chaos: terminated " + killed + " backends; batch "
                    + (failure == null ? "committed" : "failed: " + failure) + "; children stored: " + written);
            assertThat(killed).isPositive();
            assertThat(written).isIn(0L, (long) CHILDREN);
            if (failure != null) {
                assertThat(failure).isInstanceOf(StoreException.class);
                assertThat(written).isZero();
            }

            TaskState next = chaos.taskRepository()
                    .upsertState(child(parent, "after-the-storm").build());
            assertThat(chaos.taskRepository().getState(next.taskExecId()).taskId())
                    .isEqualTo("after-the-storm");
        }
    }

    private void awaitActiveInsert() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state = 'active'"
                                + " AND query LIKE 'INSERT INTO task_states%'",
                        CHAOS_APP)
                == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the batch never showed up as an active INSERT");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static Throwable outcome(CompletableFuture<Void> batch) throws Exception {
        try {
            batch.get(60, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void afterAServerRestartTheSameStoreWorksAgain(@TempDir Path dataDirectory) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedPostgres server = start(dataDirectory, port);
        StoreConfig config = StoreConfig.builder()
                .port(port)
                .autoMigrate(true)
                .connectTimeout(Duration.ofSeconds(2))
                .minIdle(2)
                .build();
        try (Store restarted = Store.open(config)) {
            String id = Id.newId();
            restarted
                    .workflowRepository()
                    .upsertExecution(WorkflowExecution.builder()
                            .workflowExecId(id)
                            .workflowId("survivor")
                            .status(Status.RUNNING)
                            .build());

            server.close();
            assertThatThrownBy(() -> restarted.workflowRepository().getExecution(id))
                    .isInstanceOf(StoreException.class);
            server = start(dataDirectory, port);

            long started = System.nanoTime();
            WorkflowExecution back =
                    awaitWorking(() -> restarted.workflowRepository().getExecution(id));
            System.out.println("restart: store working again "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms after the server came back");
            assertThat(back.workflowId()).isEqualTo("survivor");
        } finally {
            server.close();
        }
    }

    private static EmbeddedPostgres start(Path dataDirectory, int port) throws Exception {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    private static <T> T awaitWorking(java.util.function.Supplier<T> operation) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return operation.get();
            } catch (StoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the store did not recover within 30 s", e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }
}
