package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** claimPendingTasks: atomic PENDING → RUNNING hand-out with SKIP LOCKED. */
class ClaimTest extends IntegrationTest {

    @Test
    void claimsTheOldestPendingTasksOfTheExecutionUpToTheLimit() {
        WorkflowExecution execution = execution(workflows);
        WorkflowExecution other = execution(workflows);
        List<String> pending = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TaskState state = tasks.upsertState(task(execution, "t" + i).build());
            execute(
                    "UPDATE task_states SET created_at = ?::timestamptz WHERE task_exec_id = ?",
                    "2026-01-01T00:00:0" + i + "Z",
                    state.taskExecId());
            pending.add(state.taskExecId());
        }
        tasks.upsertState(task(execution, "busy").status(Status.RUNNING).build());
        tasks.upsertState(task(other, "elsewhere").build());

        List<TaskState> claimed = tasks.claimPendingTasks(execution.workflowExecId(), 3);

        assertThat(claimed).extracting(TaskState::taskExecId).containsExactlyElementsOf(pending.subList(0, 3));
        assertThat(claimed).allSatisfy(t -> assertThat(t.status()).isEqualTo(Status.RUNNING));
        assertThat(tasks.listTasksByStatus(execution.workflowExecId(), Status.PENDING))
                .hasSize(2);
        assertThat(tasks.claimPendingTasks(execution.workflowExecId(), 10)).hasSize(2);
        assertThat(tasks.claimPendingTasks(execution.workflowExecId(), 10)).isEmpty();
        assertThat(tasks.listTasksByStatus(other.workflowExecId(), Status.PENDING))
                .hasSize(1);
    }

    @Test
    void theVariantOverAllExecutionsClaimsFromEveryExecution() {
        tasks.upsertState(task(execution(workflows), "a").build());
        tasks.upsertState(task(execution(workflows), "b").build());

        assertThat(tasks.claimPendingTasks(10)).extracting(TaskState::taskId).containsExactlyInAnyOrder("a", "b");
        assertThat(count("SELECT count(*) FROM task_states WHERE status = 'PENDING'"))
                .isZero();
    }

    @Test
    void aLimitBelowOneIsRejected() {
        assertThatThrownBy(() -> tasks.claimPendingTasks("x", 0)).hasMessageStartingWith("limit:");
        assertThatThrownBy(() -> tasks.claimPendingTasks(-1)).hasMessageStartingWith("limit:");
    }

    @Test
    void eightAgentsClaimAndCompleteTenThousandTasksEachExactlyOnce() throws Exception {
        int agents = 8;
        int total = 10_000;
        WorkflowExecution execution = execution(workflows);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id)
                SELECT 'task', 'PENDING', 'work-' || lpad(g::text, 5, '0'), 'step-' || g, ?, ?
                FROM generate_series(1, ?) g""", execution.workflowExecId(), execution.workflowId(), total);
        Map<String, Integer> claims = new ConcurrentHashMap<>();
        AtomicInteger completions = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(agents);

        try (Store pool = Store.open(
                db.config().toBuilder().maxPoolSize(agents).minIdle(agents).build())) {
            TaskRepository repo = pool.taskRepository();
            ExecutorService threads = Executors.newFixedThreadPool(agents);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int a = 0; a < agents; a++) {
                    int agent = a;
                    running.add(threads.submit(() -> {
                        start.await();
                        List<TaskState> batch;
                        while (!(batch = repo.claimPendingTasks(execution.workflowExecId(), 25)).isEmpty()) {
                            for (TaskState claimed : batch) {
                                claims.merge(claimed.taskExecId(), 1, Integer::sum);
                                repo.upsertState(claimed.toBuilder()
                                        .status(Status.SUCCESS)
                                        .output(Map.of("agent", agent))
                                        .build());
                                completions.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> agent : running) {
                    agent.get(5, TimeUnit.MINUTES);
                }
            } finally {
                threads.shutdown();
            }
        }

        assertThat(claims).hasSize(total);
        assertThat(claims.values()).allMatch(n -> n == 1);
        assertThat(completions).hasValue(total);
        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE workflow_exec_id = ? AND status = 'SUCCESS'",
                        execution.workflowExecId()))
                .isEqualTo(total);
        assertThat(count(
                        "SELECT count(DISTINCT output->>'agent') FROM task_states WHERE workflow_exec_id = ?",
                        execution.workflowExecId()))
                .as("work spread over the agents")
                .isGreaterThan(1);
    }
}
