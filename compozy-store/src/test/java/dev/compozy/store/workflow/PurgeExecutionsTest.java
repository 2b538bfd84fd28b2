package dev.compozy.store.workflow;

import static dev.compozy.store.testing.Latches.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** purgeExecutions: bounded batches of finished, old executions, each its own transaction. */
class PurgeExecutionsTest extends IntegrationTest {
    private static final Set<Status> FINISHED = EnumSet.of(Status.SUCCESS, Status.FAILED);

    /**
     * 10,000 executions, each with one task: ids exec-00001.. in key order; statuses cycle SUCCESS, FAILED,
     * RUNNING, CANCELED; every fifth one was updated recently, the rest ten days ago.
     */
    @BeforeEach
    void tenThousandExecutions() {
        execute("""
                INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, updated_at)
                SELECT 'exec-' || lpad(g::text, 5, '0'), 'wf',
                       (ARRAY['SUCCESS', 'FAILED', 'RUNNING', 'CANCELED'])[g % 4 + 1],
                       CASE WHEN g % 5 = 0 THEN now() ELSE now() - interval '10 days' END
                FROM generate_series(1, 10000) g""");
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id)
                SELECT 'task', 'SUCCESS', 'task-' || workflow_exec_id, 't', workflow_exec_id, 'wf' FROM workflow_states""");
    }

    private long expectedPurged() {
        return count("SELECT count(*) FROM workflow_states WHERE status IN ('SUCCESS', 'FAILED')"
                + " AND updated_at < now() - interval '1 day'");
    }

    @Test
    void onlyOldExecutionsInTheGivenStatusesGoWithTheirTasks() {
        long expected = expectedPurged();
        long running = count("SELECT count(*) FROM workflow_states WHERE status = 'RUNNING'");

        int purged = workflows.purgeExecutions(Instant.now().minus(1, ChronoUnit.DAYS), FINISHED, 500);

        assertThat(purged).isEqualTo(expected).isEqualTo(4000);
        assertThat(count("SELECT count(*) FROM workflow_states")).isEqualTo(10_000 - expected);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE status = 'RUNNING'"))
                .isEqualTo(running);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE status IN ('SUCCESS', 'FAILED')"
                        + " AND updated_at < now() - interval '1 day'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM task_states")).isEqualTo(10_000 - expected);
    }

    @Test
    void eachBatchIsItsOwnTransactionInKeyOrder() {
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        int purged;
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            purged = recorded.workflowRepository()
                    .purgeExecutions(Instant.now().minus(1, ChronoUnit.DAYS), FINISHED, 1000);
        }

        assertThat(purged).isEqualTo(4000);
        assertThat(recorder.matching("DELETE FROM workflow_states"))
                .as("4 full batches and an empty one")
                .hasSize(5);
        assertThat(recorder.matching(SqlRecorder.COMMIT)).hasSize(5);
    }

    @Test
    void rowsHeldByAConcurrentWriterAreSkippedNotWaitedFor() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> tasks.withTx(tx -> {
            store.database().execute("SELECT 1 FROM workflow_states WHERE workflow_exec_id = 'exec-00001' FOR UPDATE");
            locked.countDown();
            await(release);
        }));
        await(locked);
        int purged;
        try {
            purged = workflows.purgeExecutions(Instant.now().minus(1, ChronoUnit.DAYS), FINISHED, 700);
            assertThat(writer).isNotDone();
        } finally {
            release.countDown();
            writer.get(30, TimeUnit.SECONDS);
        }

        assertThat(purged).isEqualTo(3999);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_exec_id = 'exec-00001'"))
                .isEqualTo(1);
    }

    @Test
    void runningExecutionsCannotBeNamed() {
        assertThatThrownBy(
                        () -> workflows.purgeExecutions(Instant.now(), EnumSet.of(Status.SUCCESS, Status.RUNNING), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RUNNING is not terminal");
        assertThatThrownBy(() -> workflows.purgeExecutions(Instant.now(), Set.of(), 10))
                .hasMessageStartingWith("statuses:");
        assertThatThrownBy(() -> workflows.purgeExecutions(Instant.now(), FINISHED, 0))
                .hasMessageStartingWith("batchSize:");
        assertThatThrownBy(() -> workflows.purgeExecutions(null, FINISHED, 10)).hasMessageStartingWith("olderThan:");
        assertThat(count("SELECT count(*) FROM workflow_states")).isEqualTo(10_000);
    }
}
