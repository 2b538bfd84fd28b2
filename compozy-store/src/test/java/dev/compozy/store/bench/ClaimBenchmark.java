package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * Four agent threads, each operation claiming up to 10 pending tasks and completing every one of them.
 * The fixture's tasks are made PENDING again before every iteration.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
public class ClaimBenchmark {
    private static final int BATCH = 10;

    @State(Scope.Benchmark)
    public static class Shared {
        Store store;
        TaskRepository tasks;

        @Setup(Level.Trial)
        public void open() {
            store = Store.open(BenchDatabase.config().maxPoolSize(8).build());
            tasks = store.taskRepository();
        }

        @Setup(Level.Iteration)
        public void refill() throws SQLException {
            try (Connection connection = BenchDatabase.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("UPDATE task_states SET status = 'PENDING' WHERE workflow_exec_id = '"
                        + BenchFixtures.CLAIM_EXEC + "' AND status <> 'PENDING'");
                statement.execute("VACUUM task_states");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    /** Hand-written agents hold a connection each. */
    @State(Scope.Thread)
    public static class Agent {
        JdbcBaseline jdbc;

        @Setup(Level.Trial)
        public void open() throws SQLException {
            jdbc = new JdbcBaseline();
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            jdbc.close();
        }
    }

    private static void requireWork(List<TaskState> claimed) {
        if (claimed.isEmpty()) {
            throw new IllegalStateException("the claim fixture ran out of pending tasks: enlarge CLAIM_TASKS");
        }
    }

    @Benchmark
    public int claimAndComplete_repository(Shared shared) {
        List<TaskState> claimed = shared.tasks.claimPendingTasks(BenchFixtures.CLAIM_EXEC, BATCH);
        requireWork(claimed);
        for (TaskState task : claimed) {
            shared.tasks.upsertState(task.toBuilder()
                    .status(Status.SUCCESS)
                    .output(Map.of("done", true))
                    .build());
        }
        return claimed.size();
    }

    @Benchmark
    public int claimAndComplete_jdbc(Agent agent) throws SQLException {
        List<TaskState> claimed = agent.jdbc.claim(BenchFixtures.CLAIM_EXEC, BATCH);
        requireWork(claimed);
        for (TaskState task : claimed) {
            agent.jdbc.upsert(task.toBuilder()
                    .status(Status.SUCCESS)
                    .output(Map.of("done", true))
                    .build());
        }
        return claimed.size();
    }
}
