package dev.compozy.store.example;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.ProgressInfo;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small tour of the store: a workflow execution with a parallel task and five children, each child
 * completed under its row lock, then progress, the task tree and the workflow's completion.
 *
 * <p>Runs against the server named by {@code COMPOZY_DB_URL} (or the other {@code COMPOZY_DB_*}
 * variables) when set, otherwise against an embedded PostgreSQL started for the run. Run it with
 * {@code mvn -q compile exec:java}.
 */
public final class QuickStart {
    private QuickStart() {
    }

    public static void main(String[] args) throws IOException {
        // Without an SLF4J binding Hibernate and Liquibase log through java.util.logging; keep the tour readable.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
            handler.setLevel(java.util.logging.Level.WARNING);
        }
        boolean useEnvironment = System.getenv("COMPOZY_DB_URL") != null || System.getenv("COMPOZY_DB_HOST") != null;
        EmbeddedPostgres embedded = useEnvironment ? null : EmbeddedPostgres.builder().start();
        try {
            StoreConfig config = useEnvironment
                    ? StoreConfig.fromEnvironment().toBuilder().autoMigrate(true).build()
                    : StoreConfig.builder().port(embedded.getPort()).autoMigrate(true).build();
            System.out.println("PostgreSQL: " + (useEnvironment ? config.jdbcUrl() : "embedded, port " + embedded.getPort()));
            try (Store store = Store.open(config)) {
                run(store.workflowRepository(), store.taskRepository());
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    public static void run(WorkflowRepository workflows, TaskRepository tasks) {
        WorkflowExecution execution = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(Id.newId())
                .workflowId("data-pipeline")
                .status(Status.RUNNING)
                .input(Map.of("environment", "demo"))
                .build());

        TaskState parent = tasks.upsertState(TaskState.builder()
                .taskExecId(Id.newId())
                .taskId("fan-out")
                .workflowExecId(execution.workflowExecId())
                .workflowId(execution.workflowId())
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());

        List<TaskState> children = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            children.add(TaskState.builder()
                    .taskExecId(Id.newId())
                    .taskId("shard-" + i)
                    .workflowExecId(execution.workflowExecId())
                    .workflowId(execution.workflowId())
                    .parentStateId(parent.taskExecId())
                    .status(Status.PENDING)
                    .input(Map.of("shard", i))
                    .build());
        }
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);
        System.out.println("created " + children.size() + " children under " + parent.taskId());

        for (TaskState child : children) {
            tasks.withTx(tx -> {
                TaskState locked = tasks.getStateForUpdate(tx, child.taskExecId());
                tasks.upsertState(tx, locked.toBuilder()
                        .status(Status.SUCCESS)
                        .output(Map.of("rows", 100 * (int) locked.input().get("shard")))
                        .build());
            });
        }

        ProgressInfo progress = tasks.getProgressInfo(parent.taskExecId());
        System.out.printf("progress: %d/%d succeeded, completion rate %.0f%%, overall %s%n",
                progress.successCount(), progress.totalChildren(), progress.completionRate() * 100,
                progress.overallStatus());
        tasks.upsertState(parent.toBuilder().status(progress.overallStatus())
                .output(Map.of("shards", tasks.listChildrenOutputs(parent.taskExecId()))).build());

        System.out.println("task tree:");
        for (TaskState node : tasks.getTaskTree(parent.taskExecId())) {
            System.out.printf("  %s%-8s %-8s %s%n", node.isChild() ? "  " : "", node.taskId(), node.status(),
                    node.output());
        }

        WorkflowExecution completed = workflows.completeWorkflow(execution.workflowExecId());
        System.out.println("workflow " + completed.workflowId() + " completed: " + completed.status() + " with "
                + completed.tasks().size() + " tasks");
    }
}
