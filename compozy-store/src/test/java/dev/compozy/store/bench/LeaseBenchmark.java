package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.ClaimBatch;
import dev.compozy.store.task.ClaimedTask;
import dev.compozy.store.task.LeaseTerms;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Eight agent threads; one operation claims up to 10 tasks and finishes each of them, either as before
 * leases (claimPendingTasks, upsertState) or with the leased lifecycle (claimTasks, one heartbeat for the
 * batch, upsertStateWithLease). The fixture's tasks are made PENDING again before every iteration.
 * Run by {@link LeaseBenchmarkMain}.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
public class LeaseBenchmark {
    static final String EXEC = "wf-lease";
    static final int TASKS = 40_000;
    private static final int BATCH = 10;
    private static final Duration LEASE = Duration.ofSeconds(30);

    @State(Scope.Benchmark)
    public static class Shared {
        Store store;
        TaskRepository tasks;
        final AtomicInteger agents = new AtomicInteger();

        @Setup(Level.Trial)
        public void open() {
            store = Store.open(BenchDatabase.config().maxPoolSize(8).minIdle(8).build());
            tasks = store.taskRepository();
        }

        @Setup(Level.Iteration)
        public void refill() throws SQLException {
            try (Connection connection = BenchDatabase.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("UPDATE task_states SET status = 'PENDING' WHERE workflow_exec_id = '" + EXEC
                        + "' AND status <> 'PENDING'");
                statement.execute("VACUUM task_states");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    @State(Scope.Thread)
    public static class Agent {
        LeaseTerms terms;

        @Setup(Level.Trial)
        public void name(Shared shared) {
            terms = LeaseTerms.of("agent-" + shared.agents.incrementAndGet(), LEASE);
        }
    }

    private static void requireWork(int claimed) {
        if (claimed == 0) {
            throw new IllegalStateException("the lease fixture ran out of pending tasks: enlarge TASKS");
        }
    }

    @Benchmark
    public int claimComplete_plain(Shared shared) {
        List<TaskState> claimed = shared.tasks.claimPendingTasks(EXEC, BATCH);
        requireWork(claimed.size());
        for (TaskState task : claimed) {
            shared.tasks.upsertState(task.toBuilder()
                    .status(Status.SUCCESS)
                    .output(Map.of("done", true))
                    .build());
        }
        return claimed.size();
    }

    @Benchmark
    public int claimHeartbeatComplete_leased(Shared shared, Agent agent) {
        ClaimBatch batch = shared.tasks.claimTasks(EXEC, agent.terms, BATCH);
        requireWork(batch.claimed().size());
        shared.tasks.heartbeat(batch.claimed().stream().map(ClaimedTask::lease).toList(), LEASE);
        for (ClaimedTask task : batch.claimed()) {
            shared.tasks.upsertStateWithLease(
                    task.lease(),
                    task.task().toBuilder()
                            .status(Status.SUCCESS)
                            .output(Map.of("done", true))
                            .build());
        }
        return batch.claimed().size();
    }
}
