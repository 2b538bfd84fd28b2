package dev.compozy.store.workflow;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An execution and its tasks come from one snapshot: another client writing both in one transaction, over
 * and over, is never seen half-done by a read.
 */
class ExecutionSnapshotTest extends IntegrationTest {
    private static final int READS = 300;

    private WorkflowExecution execution;
    private TaskState first;
    private TaskState second;

    @BeforeEach
    void executionWithTwoTasks() {
        execution = workflows.upsertExecution(
                execution(workflows).toBuilder().output(Map.of("round", 0)).build());
        first = tasks.upsertState(
                task(execution, "first").output(Map.of("round", 0)).build());
        second = tasks.upsertState(
                task(execution, "second").output(Map.of("round", 0)).build());
    }

    /**
     * Another client sets the round in the execution and both tasks, one transaction per round, while
     * {@code read} runs; returns the rounds each read saw, as "execution/first/second".
     */
    private Set<String> roundsSeenWhileAnotherClientWrites(Supplier<WorkflowExecution> read) throws Exception {
        AtomicBoolean reading = new AtomicBoolean(true);
        CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
            int round = 0;
            while (reading.get()) {
                round++;
                execute(
                        "BEGIN; UPDATE workflow_states SET output = jsonb_build_object('round', " + round
                                + ") WHERE workflow_exec_id = ?; UPDATE task_states SET output = jsonb_build_object('round', "
                                + round + ") WHERE workflow_exec_id = ?; COMMIT",
                        execution.workflowExecId(),
                        execution.workflowExecId());
            }
            return round;
        });
        Set<String> seen = new HashSet<>();
        try {
            for (int i = 0; i < READS; i++) {
                WorkflowExecution read1 = read.get();
                seen.add(read1.output().get("round") + "/"
                        + read1.tasks().get("first").output().get("round") + "/"
                        + read1.tasks().get("second").output().get("round"));
            }
        } finally {
            reading.set(false);
        }
        assertThat(writer.get(30, TimeUnit.SECONDS)).as("rounds written").isGreaterThan(1);
        return seen;
    }

    private static void assertEveryReadSawOneRound(Set<String> seen) {
        assertThat(seen)
                .as("the writer's rounds interleaved with the reads")
                .hasSizeGreaterThan(1)
                .allSatisfy(rounds ->
                        assertThat(List.of(rounds.split("/"))).as(rounds).containsOnly(rounds.split("/")[0]));
    }

    @Test
    void getExecutionNeverSeesAnotherClientsWriteHalfDone() throws Exception {
        assertEveryReadSawOneRound(
                roundsSeenWhileAnotherClientWrites(() -> workflows.getExecution(execution.workflowExecId())));
    }

    @Test
    void aPageOfExecutionsNeverSeesAnotherClientsWriteHalfDone() throws Exception {
        assertEveryReadSawOneRound(roundsSeenWhileAnotherClientWrites(() -> workflows
                .listExecutions(ExecutionFilter.builder().limit(10).build())
                .get(0)));
    }
}
