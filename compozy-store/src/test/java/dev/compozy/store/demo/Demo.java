package dev.compozy.store.demo;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.ChildCompletion;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The module at work: a workflow execution with a parallel parent and N children, K agent threads that
 * claim the children and complete them (keeping the parent's progress in the same transaction), the
 * workflow's completion, then the tree, the progress and what each operation cost.
 *
 * <p>Runs on an embedded PostgreSQL unless {@code --url} or {@code COMPOZY_DB_URL} names a server.
 */
public final class Demo {
    /** What one run is asked to do. */
    public record Options(int tasks, int agents, String url) {
        public Options {
            if (tasks < 1) {
                throw new IllegalArgumentException("--tasks: must be at least 1, got " + tasks);
            }
            if (agents < 1) {
                throw new IllegalArgumentException("--agents: must be at least 1, got " + agents);
            }
        }
    }

    /** What one run did. */
    public record Outcome(
            WorkflowExecution workflow, ProgressInfo progress, int treeSize, Map<String, Timing> timings) {}

    /** Calls of one operation and the time they took together. */
    public record Timing(long calls, long nanos) {
        double averageMillis() {
            return calls == 0 ? 0 : nanos / 1e6 / calls;
        }
    }

    private static final String USAGE = """
            Usage: mvn -q test-compile exec:java [-Dexec.args="OPTIONS"]

            Runs a workflow of one parallel task with N children through the store: K agent threads claim
            the children, complete them and keep the parent's progress; then the workflow completes.

            Options:
              --tasks N    children of the parallel task (default 1000)
              --agents K   agent threads (default 4)
              --url URL    PostgreSQL to use (jdbc:postgresql://… or postgres://…); default: COMPOZY_DB_URL,
                           else an embedded PostgreSQL started for the run
              --help       this text
            """;

    private final PrintStream out;
    private final Map<String, AtomicLong[]> timings = new java.util.concurrent.ConcurrentHashMap<>();

    public Demo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.print(USAGE);
            return;
        }
        quietLibraryLogging();
        EmbeddedPostgres embedded = null;
        try {
            StoreConfig.Builder config;
            if (options.url() != null) {
                config = StoreConfig.builder().connString(options.url());
            } else {
                embedded = EmbeddedPostgres.builder().start();
                config = StoreConfig.builder().port(embedded.getPort());
            }
            StoreConfig storeConfig = config.autoMigrate(true)
                    .maxPoolSize(Math.max(4, options.agents() + 2))
                    .build();
            System.out.println("PostgreSQL: "
                    + (embedded == null ? storeConfig.jdbcUrl() : "embedded, port " + embedded.getPort()));
            try (Store store = Store.open(storeConfig)) {
                new Demo(System.out).run(store, options, System.console() != null);
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Parses the command line; null for --help. */
    static Options parse(String[] args) {
        int tasks = 1000;
        int agents = 4;
        String url = System.getenv("COMPOZY_DB_URL");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--tasks" -> tasks = number(args, ++i, "--tasks");
                case "--agents" -> agents = number(args, ++i, "--agents");
                case "--url" -> url = value(args, ++i, "--url");
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        return new Options(tasks, agents, url);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + ": needs a value");
        }
        return args[i];
    }

    private static int number(String[] args, int i, String option) {
        try {
            return Integer.parseInt(value(args, i, option));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + args[i] + "' is not a number", e);
        }
    }

    private static void quietLibraryLogging() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler handler : root.getHandlers()) {
            handler.setLevel(java.util.logging.Level.WARNING);
        }
    }

    /** Runs the scenario on an open store; {@code live} draws a progress bar instead of printing lines. */
    public Outcome run(Store store, Options options, boolean live) {
        WorkflowRepository workflows = store.workflowRepository();
        TaskRepository tasks = store.taskRepository();
        long started = System.nanoTime();

        WorkflowExecution execution = timed(
                "upsertExecution",
                () -> workflows.upsertExecution(WorkflowExecution.builder()
                        .workflowExecId(Id.newId())
                        .workflowId("demo-pipeline")
                        .status(Status.RUNNING)
                        .input(Map.of("tasks", options.tasks(), "agents", options.agents()))
                        .build()));
        TaskState parent = timed(
                "upsertState",
                () -> tasks.upsertState(TaskState.builder()
                        .taskExecId(Id.newId())
                        .taskId("fan-out")
                        .workflowExecId(execution.workflowExecId())
                        .workflowId(execution.workflowId())
                        .executionType(ExecutionType.PARALLEL)
                        .status(Status.RUNNING)
                        .build()));
        List<TaskState> children = new ArrayList<>(options.tasks());
        for (int i = 0; i < options.tasks(); i++) {
            children.add(TaskState.builder()
                    .taskExecId(Id.newId())
                    .taskId(String.format(Locale.ROOT, "shard-%05d", i))
                    .workflowExecId(execution.workflowExecId())
                    .workflowId(execution.workflowId())
                    .parentStateId(parent.taskExecId())
                    .status(Status.PENDING)
                    .input(Map.of("shard", i))
                    .build());
        }
        timed("createChildStatesInTransaction", () -> {
            tasks.createChildStatesInTransaction(parent.taskExecId(), children);
            return null;
        });
        out.printf(
                Locale.ROOT,
                "created %,d children under %s; %d agents start%n",
                options.tasks(),
                parent.taskId(),
                options.agents());

        AtomicInteger done = new AtomicInteger();
        Progress bar = new Progress(out, options.tasks(), live);
        runAgents(tasks, execution, options, done, bar);
        bar.finish(done.get());

        ProgressInfo progress = timed("getProgressInfo", () -> tasks.getProgressInfo(parent.taskExecId()));
        List<TaskState> tree = timed("getTaskTree", () -> tasks.getTaskTree(parent.taskExecId()));
        WorkflowExecution completed =
                timed("completeWorkflow", () -> workflows.completeWorkflow(execution.workflowExecId()));

        Map<Status, Integer> byStatus = new EnumMap<>(Status.class);
        tree.forEach(t -> byStatus.merge(t.status(), 1, Integer::sum));
        out.printf(
                Locale.ROOT,
                "%ntask tree: %,d nodes (%s), root %s %s%n",
                tree.size(),
                byStatus,
                parent.taskId(),
                tree.get(0).status());
        out.printf(
                Locale.ROOT,
                "progress: %,d/%,d succeeded, completion %.0f%%, failure %.0f%%, overall %s%n",
                progress.successCount(),
                progress.totalChildren(),
                progress.completionRate() * 100,
                progress.failureRate() * 100,
                progress.overallStatus());
        out.printf(
                Locale.ROOT,
                "workflow %s: %s, output for %,d tasks%n",
                completed.workflowId(),
                completed.status(),
                completed.output().size());
        out.println("\noperation                        calls    avg ms");
        Map<String, Timing> summary = new java.util.TreeMap<>();
        timings.forEach((name, t) -> summary.put(name, new Timing(t[0].get(), t[1].get())));
        summary.forEach((name, t) -> out.printf(Locale.ROOT, "%-30s %7d %9.3f%n", name, t.calls(), t.averageMillis()));
        out.printf(Locale.ROOT, "total %.1f s%n", (System.nanoTime() - started) / 1e9);
        return new Outcome(completed, progress, tree.size(), summary);
    }

    private void runAgents(
            TaskRepository tasks, WorkflowExecution execution, Options options, AtomicInteger done, Progress bar) {
        ExecutorService agents = Executors.newFixedThreadPool(options.agents());
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int a = 0; a < options.agents(); a++) {
                int agent = a;
                running.add(agents.submit(() -> {
                    List<TaskState> claimed;
                    while (!(claimed = timed(
                                    "claimPendingTasks", () -> tasks.claimPendingTasks(execution.workflowExecId(), 10)))
                            .isEmpty()) {
                        for (TaskState task : claimed) {
                            TaskState finished = task.toBuilder()
                                    .status(Status.SUCCESS)
                                    .output(Map.of(
                                            "agent",
                                            agent,
                                            "rows",
                                            100 * (int) task.input().get("shard")))
                                    .build();
                            ChildCompletion completion = timed(
                                    "completeChild", () -> tasks.completeChild(finished, CompletionStrategy.WAIT_ALL));
                            bar.update(done.incrementAndGet(), completion.parentProgress());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> agent : running) {
                agent.get(10, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new IllegalStateException("an agent failed: " + e.getMessage(), e);
        } finally {
            agents.shutdownNow();
        }
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long started = System.nanoTime();
        try {
            return call.get();
        } finally {
            AtomicLong[] t =
                    timings.computeIfAbsent(operation, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
            t[0].incrementAndGet();
            t[1].addAndGet(System.nanoTime() - started);
        }
    }

    /** A progress bar redrawn in place on a terminal, or a line per tenth of the work elsewhere. */
    private static final class Progress {
        private final PrintStream out;
        private final int total;
        private final boolean live;
        private int lastTenth;

        Progress(PrintStream out, int total, boolean live) {
            this.out = out;
            this.total = total;
            this.live = live;
        }

        synchronized void update(int done, ProgressInfo progress) {
            if (live) {
                int width = 40;
                int filled = (int) ((long) done * width / total);
                out.printf(
                        Locale.ROOT,
                        "\r[%s%s] %,d/%,d  parent: %d running, %d pending",
                        "#".repeat(filled),
                        " ".repeat(width - filled),
                        done,
                        total,
                        progress.runningCount(),
                        progress.pendingCount());
                out.flush();
            } else {
                int tenth = (int) ((long) done * 10 / total);
                if (tenth > lastTenth) {
                    lastTenth = tenth;
                    out.printf(Locale.ROOT, "completed %,d/%,d children (%d%%)%n", done, total, tenth * 10);
                }
            }
        }

        void finish(int done) {
            if (live) {
                out.printf(Locale.ROOT, "%ncompleted %,d/%,d children%n", done, total);
            }
        }
    }
}
