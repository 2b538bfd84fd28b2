package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.ExecutionFilter;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
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

/**
 * Single-threaded operations, each measured through the repository ({@code _repository}) and through
 * {@link JdbcBaseline} ({@code _jdbc}) doing the same database work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RepositoryVsJdbcBenchmark {
    private Store store;
    private Store durableStore;
    private JdbcBaseline durableJdbc;
    private TaskRepository tasks;
    private WorkflowRepository workflows;
    private JdbcBaseline jdbc;
    private List<TaskState> hot;
    private int next;
    private long childCounter;

    @Setup(Level.Trial)
    public void open() throws SQLException {
        store = Store.open(BenchDatabase.config().build());
        tasks = store.taskRepository();
        workflows = store.workflowRepository();
        jdbc = new JdbcBaseline();
        durableStore = Store.open(BenchDatabase.durableConfig().build());
        durableJdbc = new JdbcBaseline(true);
        hot = new ArrayList<>();
        for (int i = 0; i < BenchFixtures.HOT_ROWS; i++) {
            hot.add(tasks.getState(BenchFixtures.hotId(i)));
        }
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
        jdbc.close();
        durableJdbc.close();
        durableStore.close();
        store.close();
    }

    /**
     * Every iteration starts from the same table: the children of the last one removed, and the dead row
     * versions of the last one's updates vacuumed away, so that neither side's JVM meets a table the
     * other's left more bloated.
     */
    @Setup(Level.Iteration)
    public void cleanTable() throws SQLException {
        try (Connection connection = BenchDatabase.connect();
                Statement statement = connection.createStatement()) {
            statement.execute(
                    "DELETE FROM task_states WHERE parent_state_id = '" + BenchFixtures.CHILDREN_PARENT + "'");
            statement.execute("VACUUM task_states");
            // Start every iteration with no checkpoint due: the WAL of earlier iterations set one off mid-measurement.
            statement.execute("CHECKPOINT");
        }
    }

    private TaskState nextHot() {
        TaskState state = hot.get(next);
        next = (next + 1) % hot.size();
        return state.toBuilder()
                .status((next & 1) == 0 ? Status.RUNNING : Status.SUCCESS)
                .output(Map.of("attempt", next))
                .build();
    }

    private List<TaskState> children(int count) {
        List<TaskState> children = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            children.add(TaskState.builder()
                    .taskExecId("child-" + (childCounter++))
                    .taskId("shard-" + i)
                    .workflowExecId(BenchFixtures.CHILDREN_EXEC)
                    .workflowId("children")
                    .parentStateId(BenchFixtures.CHILDREN_PARENT)
                    .status(Status.PENDING)
                    .input(Map.of("shard", i))
                    .build());
        }
        return children;
    }

    @Benchmark
    public TaskState upsertState_repository() {
        return tasks.upsertState(nextHot());
    }

    @Benchmark
    public void upsertState_jdbc() throws SQLException {
        jdbc.upsert(nextHot());
    }

    /** The baseline with the repository's RETURNING clause, to tell the clause's cost from the library's. */
    @Benchmark
    public TaskState upsertState_jdbcReturning() throws SQLException {
        return jdbc.upsertReturning(nextHot());
    }

    @Benchmark
    public TaskState getState_repository() {
        return tasks.getState(nextHot().taskExecId());
    }

    @Benchmark
    public TaskState getState_jdbc() throws SQLException {
        return jdbc.get(nextHot().taskExecId());
    }

    @Benchmark
    public void lockModifyUpsert_repository() {
        TaskState target = nextHot();
        tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, target.taskExecId());
            tasks.upsertState(tx, locked.toBuilder().status(target.status()).build());
        });
    }

    @Benchmark
    public void lockModifyUpsert_jdbc() throws SQLException {
        TaskState target = nextHot();
        jdbc.lockModifyUpsert(target.taskExecId(), target.status());
    }

    /** The children benchmarks commit durably: saving 999 commits is what the batch is for. */
    @Benchmark
    public void createChildren1000_repository() {
        durableStore.taskRepository().createChildStatesInTransaction(BenchFixtures.CHILDREN_PARENT, children(1000));
    }

    @Benchmark
    public void createChildren1000_jdbc() throws SQLException {
        durableJdbc.createChildren(BenchFixtures.CHILDREN_PARENT, children(1000));
    }

    /** What the batch replaces: one upsertState call (and its own transaction) per child. */
    @Benchmark
    public void createChildren1000_oneUpsertAtATime() {
        TaskRepository durable = durableStore.taskRepository();
        for (TaskState child : children(1000)) {
            durable.upsertState(child);
        }
    }

    @Benchmark
    public List<WorkflowExecution> listExecutionsPage50_repository() {
        return workflows.listExecutions(ExecutionFilter.builder()
                .workflowId(BenchFixtures.LIST_WORKFLOW)
                .limit(50)
                .build());
    }

    @Benchmark
    public List<WorkflowExecution> listExecutionsPage50_jdbc() throws SQLException {
        return jdbc.executionsPage(BenchFixtures.LIST_WORKFLOW, 50);
    }
}
