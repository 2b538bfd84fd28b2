package dev.compozy.store.bench;

import dev.compozy.store.LeanJdbc;
import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * What the schema and the statements per call cost: each workload through the store ({@code side=store}),
 * through hand-written JDBC on the same tables ({@code same}), and through hand-written JDBC on the lean
 * tables ({@code lean}, see {@link LeanJdbc}), on the database of one index profile ({@code profile}).
 * Times per operation; {@link SchemaCostMain} runs each side in a JVM of its own and writes the ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Fork(1)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SchemaCostBenchmark {
    public static final String EXEC = "cost-wf";
    static final String ROOT = "cost-root";
    public static final int TASKS = 1000;
    static final String BULK_WORKFLOW = "bulk";

    @Param({"store"})
    public String side;

    @Param({"default"})
    public String profile;

    private Store store;
    private final AtomicInteger threadSlots = new AtomicInteger();
    private final AtomicLong bulkCounter = new AtomicLong();

    public static String database(String profile) {
        return "compozy_cost_" + profile;
    }

    /** The i-th child of the fixture's root, as the fixture wrote it (0 ≤ i < {@link #TASKS} - 1). */
    static TaskState child(int i) {
        return TaskState.builder()
                .taskExecId("cost-child-" + i)
                .taskId("child-" + i)
                .workflowExecId(EXEC)
                .workflowId("cost")
                .parentStateId(ROOT)
                .status(Status.PENDING)
                .input(Map.of("n", i, "source", "bench"))
                .build();
    }

    /** The store side's children as read back from the store, one per child of the fixture. */
    private TaskState[] stored;

    @Setup(Level.Trial)
    public void open() {
        if ("store".equals(side)) {
            store = Store.open(
                    BenchDatabase.config(database(profile)).maxPoolSize(8).build());
            // An agent updates a task it has read (claimed, listed); the store side starts from those states.
            stored = new TaskState[TASKS - 1];
            for (int i = 0; i < stored.length; i++) {
                stored[i] = store.taskRepository().getState(child(i).taskExecId());
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (store != null) {
            store.close();
        }
    }

    private static final List<String> TABLES =
            List.of("workflow_states", "task_states", "lean_workflows", "lean_tasks");

    /**
     * Every iteration starts from the same tables: the last one's bulk executions gone, its dead rows
     * vacuumed, the statistics fresh.
     */
    @Setup(Level.Iteration)
    public void cleanTables() throws SQLException {
        clean(false);
    }

    /**
     * Every workload also starts from compact indexes: the bulk creations of an earlier workload leave the
     * primary keys many times their size (the lean table's, written fastest, grew to 2,348 pages for 1,000
     * rows), and the planner then read the lean table by id with a sequential scan, 105 µs instead of 59.
     */
    @Setup(Level.Trial)
    public void compactTables() throws SQLException {
        clean(true);
    }

    private void clean(boolean reindex) throws SQLException {
        try (Connection connection = BenchDatabase.connect(database(profile), false);
                Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM workflow_states WHERE workflow_id = '" + BULK_WORKFLOW + "'");
            statement.execute("DELETE FROM lean_tasks WHERE workflow_id = '" + BULK_WORKFLOW + "'");
            statement.execute("DELETE FROM lean_workflows WHERE workflow_id = '" + BULK_WORKFLOW + "'");
            if (reindex) {
                for (String table : TABLES) {
                    statement.execute("REINDEX TABLE " + table);
                }
            }
            statement.execute("VACUUM ANALYZE " + String.join(", ", TABLES));
            statement.execute("CHECKPOINT");
        }
    }

    /** Per JMH thread: its JDBC connection (baseline sides) and its share of the fixture's children. */
    @State(Scope.Thread)
    public static class Worker {
        LeanJdbc jdbc;
        int slot;
        int threads;
        int next;
        long round;

        @Setup(Level.Trial)
        public void open(SchemaCostBenchmark benchmark, org.openjdk.jmh.infra.BenchmarkParams params)
                throws SQLException {
            threads = params.getThreads();
            slot = benchmark.threadSlots.getAndIncrement() % threads;
            next = slot;
            if (!"store".equals(benchmark.side)) {
                jdbc = new LeanJdbc(database(benchmark.profile), "lean".equals(benchmark.side));
            }
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            if (jdbc != null) {
                jdbc.close();
            }
        }

        /** The next child of this thread's share: threads never write the same row. */
        int nextChild() {
            int child = next;
            next += threads;
            if (next >= TASKS - 1) {
                next = slot;
                round++;
            }
            return child;
        }
    }

    private static List<TaskState> bulkTasks(String execId) {
        List<TaskState> tasks = new ArrayList<>(TASKS);
        String root = execId + "-root";
        tasks.add(TaskState.builder()
                .taskExecId(root)
                .taskId("root")
                .workflowExecId(execId)
                .workflowId(BULK_WORKFLOW)
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        for (int i = 1; i < TASKS; i++) {
            tasks.add(TaskState.builder()
                    .taskExecId(execId + "-" + i)
                    .taskId("shard-" + i)
                    .workflowExecId(execId)
                    .workflowId(BULK_WORKFLOW)
                    .parentStateId(root)
                    .status(Status.PENDING)
                    .input(Map.of("shard", i))
                    .build());
        }
        return tasks;
    }

    /** An execution, its root task and 999 children, in one transaction. */
    @Benchmark
    public void bulkCreate1000(Worker worker) throws SQLException {
        String execId = "bulk-" + bulkCounter.incrementAndGet();
        List<TaskState> states = bulkTasks(execId);
        if (worker.jdbc != null) {
            worker.jdbc.create(execId, BULK_WORKFLOW, states);
            return;
        }
        TaskRepository tasks = store.taskRepository();
        WorkflowRepository workflows = store.workflowRepository();
        tasks.withTx(tx -> {
            workflows.upsertExecution(
                    tx,
                    WorkflowExecution.builder()
                            .workflowExecId(execId)
                            .workflowId(BULK_WORKFLOW)
                            .status(Status.RUNNING)
                            .input(Map.of("bench", true))
                            .build());
            tasks.upsertState(tx, states.get(0));
            tasks.createChildStatesInTransaction(states.get(0).taskExecId(), states.subList(1, states.size()));
        });
    }

    private void updateOne(Worker worker) throws SQLException {
        int child = worker.nextChild();
        Status status = (worker.round & 1) == 0 ? Status.RUNNING : Status.SUCCESS;
        if (worker.jdbc != null) {
            worker.jdbc.update("cost-child-" + child, status, "{\"attempt\": " + worker.round + "}");
            return;
        }
        store.taskRepository()
                .upsertState(stored[child].toBuilder()
                        .status(status)
                        .output(Map.of("attempt", worker.round))
                        .build());
    }

    /** One task's status and output, one thread. */
    @Benchmark
    @Threads(1)
    public void update1(Worker worker) throws SQLException {
        updateOne(worker);
    }

    /** Four threads, each updating its own tasks of the same execution. */
    @Benchmark
    @Threads(4)
    public void update4(Worker worker) throws SQLException {
        updateOne(worker);
    }

    @Benchmark
    public TaskState getTaskById(Worker worker) throws SQLException {
        String id = "cost-child-" + worker.nextChild();
        return worker.jdbc != null
                ? worker.jdbc.get(id)
                : store.taskRepository().getState(id);
    }

    /** The execution with its 1,000 tasks. */
    @Benchmark
    public Object getWorkflow1000(Worker worker) throws SQLException {
        return worker.jdbc != null
                ? worker.jdbc.workflowWithTasks(EXEC)
                : store.workflowRepository().getExecution(EXEC);
    }
}
