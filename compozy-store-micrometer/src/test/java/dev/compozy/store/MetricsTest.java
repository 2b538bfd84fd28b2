package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.RetriesExhaustedException;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.metrics.MicrometerStoreMetrics;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operation timings, lock waits, retries and pool usage reach a Micrometer registry under the documented names. */
class MetricsTest extends IntegrationTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Store measured;
    private TaskRepository repo;

    @BeforeEach
    void openMeasuredStore() {
        measured = Store.open(
                db.config().toBuilder().applicationName("compozy-metrics").build(),
                new MicrometerStoreMetrics(registry));
        repo = measured.taskRepository();
    }

    @AfterEach
    void close() {
        measured.close();
    }

    @Test
    void operationsAreTimedByNameAndOutcome() {
        TaskState state =
                repo.upsertState(task(execution(workflows), "measured").build());
        repo.getState(state.taskExecId());
        repo.getState(state.taskExecId());
        assertThatThrownBy(() -> repo.getState("missing")).isInstanceOf(TaskNotFoundException.class);
        assertThatThrownBy(() -> measured.database().execute("SELECT * FROM no_such_table"))
                .isInstanceOf(StoreException.class);

        assertThat(registry.get(MicrometerStoreMetrics.OPERATIONS)
                        .tag("operation", "getState")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isEqualTo(3);
        assertThat(registry.get(MicrometerStoreMetrics.OPERATIONS)
                        .tag("operation", "upsertState")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(MicrometerStoreMetrics.OPERATIONS)
                        .tag("operation", "execute")
                        .tag("outcome", "error")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void lockWaitsAreTimed() {
        TaskState state = repo.upsertState(task(execution(workflows), "locked").build());

        repo.withTx(tx -> {
            repo.getStateForUpdate(tx, state.taskExecId());
        });

        assertThat(registry.get(MicrometerStoreMetrics.LOCK_WAIT)
                        .tag("operation", "getStateForUpdate")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void retriesAndExhaustionAreCountedBySqlState() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);

        assertThatThrownBy(() -> repo.withTx(policy, tx -> {
                    measured.database().execute("DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$");
                }))
                .isInstanceOf(RetriesExhaustedException.class);

        assertThat(registry.get(MicrometerStoreMetrics.RETRIES)
                        .tag("sqlstate", "40001")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(MicrometerStoreMetrics.RETRIES_EXHAUSTED)
                        .tag("sqlstate", "40001")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void thePoolReportsItsConnections() {
        repo.getProgressInfo("anything");

        assertThat(registry.get("hikaricp.connections.max")
                        .tag("pool", "compozy-metrics")
                        .gauge()
                        .value())
                .isEqualTo(24);
        assertThat(registry.get("hikaricp.connections.usage")
                        .tag("pool", "compozy-metrics")
                        .timer()
                        .count())
                .isPositive();
    }
}
