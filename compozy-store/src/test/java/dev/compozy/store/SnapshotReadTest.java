package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Statements.snapshot: several reads in one snapshot, its SET TRANSACTION sent with the first query. */
class SnapshotReadTest extends IntegrationTest {

    private Statements statements() {
        return new Statements(store.database().transactions());
    }

    @Test
    void aSnapshotReadStartsAReadOnlyRepeatableReadTransactionWithItsFirstQuery() {
        List<String> settings = statements()
                .snapshot(
                        "settings",
                        "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')",
                        new Object[0],
                        row -> row.getString(1) + "," + row.getString(2),
                        (tx, rows) -> rows);

        assertThat(settings).containsExactly("repeatable read,on");
    }

    @Test
    void aSnapshotReadDoesNotSeeWhatCommitsAfterItsFirstQuery() {
        WorkflowExecution execution = execution(workflows);

        long seenLater = statements()
                .snapshot(
                        "snapshot",
                        "SELECT count(*) FROM task_states",
                        new Object[0],
                        row -> row.getLong(1),
                        (tx, first) -> {
                            CompletableFuture.runAsync(() -> tasks.upsertState(task(execution, "committed-meanwhile")
                                            .build()))
                                    .join();
                            return Long.parseLong(
                                    tx.withConnection(c -> TestDatabase.rows(c, "SELECT count(*) FROM task_states"))
                                            .get(0)
                                            .get(0));
                        });

        assertThat(seenLater).isZero();
        assertThat(count("SELECT count(*) FROM task_states"))
                .as("committed by the other thread")
                .isEqualTo(1);
    }

    @Test
    void aSnapshotReadInsideATransactionJoinsItAndSeesItsWrites() {
        WorkflowExecution execution = execution(workflows);

        long seen = tasks.fromTx(tx -> {
            tasks.upsertState(tx, task(execution, "uncommitted").build());
            return statements()
                    .snapshot(
                            "joined",
                            "SELECT count(*) FROM task_states",
                            new Object[0],
                            row -> row.getLong(1),
                            (inner, rows) -> rows.get(0));
        });

        assertThat(seen).isEqualTo(1);
    }
}
