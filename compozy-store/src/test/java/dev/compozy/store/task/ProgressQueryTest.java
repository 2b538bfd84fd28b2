package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** getProgressInfo: one grouped query over direct children only. */
class ProgressQueryTest extends IntegrationTest {

    @Test
    void countsOnlyDirectChildrenWithOneGroupedQuery() {
        TaskState parent = tasks.upsertState(task(execution(workflows), "p")
                .executionType(ExecutionType.PARALLEL)
                .build());
        tasks.upsertState(child(parent, "a").status(Status.SUCCESS).build());
        tasks.upsertState(child(parent, "b").status(Status.SUCCESS).build());
        tasks.upsertState(child(parent, "c").status(Status.FAILED).build());
        TaskState nested = tasks.upsertState(child(parent, "d")
                .status(Status.RUNNING)
                .executionType(ExecutionType.PARALLEL)
                .build());
        tasks.upsertState(child(nested, "grandchild").status(Status.FAILED).build());
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));

        ProgressInfo progress;
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            progress = recorded.taskRepository().getProgressInfo(parent.taskExecId());
        }

        assertThat(progress.totalChildren()).isEqualTo(4);
        assertThat(progress.successCount()).isEqualTo(2);
        assertThat(progress.failedCount()).isEqualTo(1);
        assertThat(progress.runningCount()).isEqualTo(1);
        assertThat(progress.overallStatus(CompletionStrategy.FAIL_FAST)).isEqualTo(Status.FAILED);
        assertThat(recorder.executions())
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).contains("GROUP BY status"));
    }

    @Test
    void aParentWithoutChildrenHasZeroProgress() {
        TaskState lonely =
                tasks.upsertState(task(execution(workflows), "lonely").build());

        ProgressInfo progress = tasks.getProgressInfo(lonely.taskExecId());

        assertThat(progress.totalChildren()).isZero();
        assertThat(progress.statusCounts()).isEmpty();
        assertThat(tasks.getProgressInfo("unknown-parent").totalChildren()).isZero();
    }
}
