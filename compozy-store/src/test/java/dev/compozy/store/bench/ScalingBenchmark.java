package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The hierarchy reads at 1k, 10k and 100k rows: the whole tree (complete 3-ary trees of 1,093, 9,841 and
 * 88,573 nodes, depths 6, 8 and 10), progress over that many children, and a workflow of that many tasks,
 * alone and as {@code getExecution} reads it (the execution row and its tasks in one snapshot).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
// A stop-the-world collector: at 100k rows G1's concurrent marking competes with PostgreSQL for the two cores
// and its cost cannot be told apart from the code's; ParallelGC's is all in the pauses the GC profiler reports.
@Fork(value = 1, jvmArgsAppend = "-XX:+UseParallelGC")
@OutputTimeUnit(TimeUnit.SECONDS)
public class ScalingBenchmark {
    @Param({"1000", "10000", "100000"})
    public int size;

    private Store store;
    private TaskRepository tasks;
    private WorkflowRepository workflows;
    private JdbcBaseline jdbc;

    @Setup(Level.Trial)
    public void open() throws SQLException {
        store = Store.open(BenchDatabase.config().build());
        tasks = store.taskRepository();
        workflows = store.workflowRepository();
        jdbc = new JdbcBaseline();
        // Earlier benchmarks' writes leave dead rows and clear visibility-map bits the index-only scans need.
        try (java.sql.Connection connection = BenchDatabase.connect();
                java.sql.Statement statement = connection.createStatement()) {
            statement.execute("VACUUM task_states");
            // Flush what the VACUUM dirtied now, so that no checkpoint it makes due runs during the measurement.
            statement.execute("CHECKPOINT");
        }
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
        jdbc.close();
        store.close();
    }

    @Benchmark
    public List<TaskState> getTaskTree_repository() {
        return tasks.getTaskTree(BenchFixtures.treeRoot(size));
    }

    @Benchmark
    public List<TaskState> getTaskTree_jdbc() throws SQLException {
        return jdbc.tree(BenchFixtures.treeRoot(size), 100);
    }

    @Benchmark
    public ProgressInfo getProgressInfo_repository() {
        return tasks.getProgressInfo(BenchFixtures.progressParent(size));
    }

    @Benchmark
    public ProgressInfo getProgressInfo_jdbc() throws SQLException {
        return jdbc.progress(BenchFixtures.progressParent(size));
    }

    @Benchmark
    public Map<String, TaskState> listTasksInWorkflow_repository() {
        return tasks.listTasksInWorkflow(BenchFixtures.tasksExec(size));
    }

    @Benchmark
    public Map<String, TaskState> listTasksInWorkflow_jdbc() throws SQLException {
        return jdbc.tasksInWorkflow(BenchFixtures.tasksExec(size));
    }

    @Benchmark
    public WorkflowExecution getExecution_repository() {
        return workflows.getExecution(BenchFixtures.tasksExec(size));
    }

    @Benchmark
    public WorkflowExecution getExecution_jdbc() throws SQLException {
        return jdbc.execution(BenchFixtures.tasksExec(size));
    }
}
