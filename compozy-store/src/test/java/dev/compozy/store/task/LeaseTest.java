package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leases on claimed tasks: owner, expiry on the database's clock, fencing tokens, reclaim and heartbeats. */
class LeaseTest extends IntegrationTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final LeaseTerms AGENT_A = LeaseTerms.of("agent-a", MINUTE);
    private static final LeaseTerms AGENT_B = LeaseTerms.of("agent-b", MINUTE);

    private WorkflowExecution execution;

    @BeforeEach
    void anExecution() {
        execution = execution(workflows);
    }

    /** Time passing, without waiting for it: the lease ended a second ago on the database's clock. */
    private void expire(String taskExecId) {
        execute(
                "UPDATE task_states SET lease_expires_at = now() - interval '1 second' WHERE task_exec_id = ?",
                taskExecId);
    }

    private ClaimedTask claimOne(LeaseTerms terms) {
        ClaimBatch batch = tasks.claimTasks(execution.workflowExecId(), terms, 1);
        assertThat(batch.failed()).isEmpty();
        assertThat(batch.claimed()).hasSize(1);
        return batch.claimed().get(0);
    }

    @Test
    void aClaimStoresTheOwnerALeaseOnTheDatabaseClockAndTheFirstToken() {
        TaskState pending = tasks.upsertState(task(execution, "work").build());

        ClaimedTask claimed = claimOne(LeaseTerms.of("agent-a", Duration.ofSeconds(90)));

        assertThat(claimed.task().taskExecId()).isEqualTo(pending.taskExecId());
        assertThat(claimed.task().status()).isEqualTo(Status.RUNNING);
        assertThat(claimed.attempt()).isEqualTo(1);
        assertThat(claimed.lease()).satisfies(lease -> {
            assertThat(lease.owner()).isEqualTo("agent-a");
            assertThat(lease.token()).isEqualTo(1);
            assertThat(lease.expiresAt()).isEqualTo(claimed.task().updatedAt().plusSeconds(90));
        });
        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE task_exec_id = ? AND lease_owner = 'agent-a'"
                                + " AND fencing_token = 1 AND attempts = 1 AND lease_expires_at = updated_at + interval '90 seconds'",
                        pending.taskExecId()))
                .as("the claim's now() plus the lease")
                .isEqualTo(1);
    }

    @Test
    void aLeaseThatHasNotExpiredIsNotClaimedAgain() {
        tasks.upsertState(task(execution, "work").build());
        claimOne(AGENT_A);

        assertThat(tasks.claimTasks(execution.workflowExecId(), AGENT_B, 10).isEmpty())
                .isTrue();
        assertThat(tasks.claimTasks(AGENT_B, 10).isEmpty()).isTrue();
    }

    @Test
    void anExpiredLeaseIsClaimedAgainWithTheNextToken() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask first = claimOne(AGENT_A);
        expire(first.task().taskExecId());

        ClaimedTask second = claimOne(AGENT_B);

        assertThat(second.task().taskExecId()).isEqualTo(first.task().taskExecId());
        assertThat(second.lease().owner()).isEqualTo("agent-b");
        assertThat(second.lease().token()).isEqualTo(2);
        assertThat(second.attempt()).isEqualTo(2);
    }

    @Test
    void expiredLeasesAreClaimedBeforePendingTasks() {
        tasks.upsertState(task(execution, "abandoned").build());
        ClaimedTask abandoned = claimOne(AGENT_A);
        tasks.upsertState(task(execution, "fresh").build());
        expire(abandoned.task().taskExecId());

        assertThat(claimOne(AGENT_B).task().taskId()).isEqualTo("abandoned");
        assertThat(claimOne(AGENT_B).task().taskId()).isEqualTo("fresh");
    }

    @Test
    void aTaskWhoseLeaseExpiresAfterItsLastAllowedClaimIsFailedWithLeaseExpired() {
        TaskState work = tasks.upsertState(task(execution, "work").build());
        LeaseTerms twice = AGENT_A.withMaxAttempts(2);
        claimOne(twice);
        expire(work.taskExecId());
        ClaimedTask second = claimOne(twice);
        expire(work.taskExecId());

        ClaimBatch third = tasks.claimTasks(execution.workflowExecId(), twice, 10);

        assertThat(third.claimed()).isEmpty();
        assertThat(third.failed()).singleElement().satisfies(failed -> {
            assertThat(failed.status()).isEqualTo(Status.FAILED);
            assertThat(failed.error().code()).isEqualTo(LeaseTerms.LEASE_EXPIRED);
            assertThat(failed.error().message()).contains("2 claim(s)", "agent-a");
            assertThat(failed.error().details()).containsEntry("attempts", 2);
        });
        assertThat(tasks.getState(work.taskExecId()).status()).isEqualTo(Status.FAILED);
        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        second.lease(),
                        second.task().toBuilder().status(Status.SUCCESS).build()))
                .isInstanceOf(StaleLeaseException.class);
    }

    @Test
    void reclaimExpiredReturnsExpiredTasksToPendingAndFencesTheirLastOwner() {
        TaskState work = tasks.upsertState(task(execution, "work").build());
        TaskState held = tasks.upsertState(task(execution, "held").build());
        ClaimedTask lost = claimOne(AGENT_A);
        claimOne(AGENT_A);
        expire(work.taskExecId());

        List<TaskState> reclaimed = tasks.reclaimExpired(3, 100);

        assertThat(reclaimed).singleElement().satisfies(t -> {
            assertThat(t.taskExecId()).isEqualTo(work.taskExecId());
            assertThat(t.status()).isEqualTo(Status.PENDING);
        });
        assertThat(tasks.getState(held.taskExecId()).status()).isEqualTo(Status.RUNNING);
        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        lost.lease(),
                        lost.task().toBuilder().status(Status.SUCCESS).build()))
                .isInstanceOf(StaleLeaseException.class);
        assertThat(claimOne(AGENT_B).lease().token()).isEqualTo(3);
    }

    @Test
    void reclaimExpiredFailsATaskThatUsedItsAttempts() {
        TaskState work = tasks.upsertState(task(execution, "work").build());
        claimOne(AGENT_A);
        expire(work.taskExecId());

        assertThat(tasks.reclaimExpired(1, 100)).singleElement().satisfies(t -> {
            assertThat(t.status()).isEqualTo(Status.FAILED);
            assertThat(t.error().code()).isEqualTo(LeaseTerms.LEASE_EXPIRED);
        });
    }

    @Test
    void claimPendingTasksWithoutALeaseNeverExpiresButAdvancesTheToken() {
        TaskState work = tasks.upsertState(task(execution, "work").build());
        ClaimedTask leased = claimOne(AGENT_A);
        tasks.upsertStateWithLease(
                leased.lease(), leased.task().toBuilder().status(Status.PENDING).build());

        assertThat(tasks.claimPendingTasks(execution.workflowExecId(), 10)).hasSize(1);

        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE task_exec_id = ? AND status = 'RUNNING'"
                                + " AND lease_owner IS NULL AND lease_expires_at IS NULL AND fencing_token = 2",
                        work.taskExecId()))
                .isEqualTo(1);
        assertThat(tasks.claimTasks(execution.workflowExecId(), AGENT_B, 10).isEmpty())
                .isTrue();
        assertThat(tasks.reclaimExpired(3, 10)).isEmpty();
        assertThatThrownBy(() -> tasks.upsertStateWithLease(leased.lease(), leased.task()))
                .isInstanceOf(StaleLeaseException.class);
    }

    @Test
    void theHolderWritesItsTaskWhileItsTokenIsCurrent() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask claimed = claimOne(AGENT_A);

        TaskState progress = tasks.upsertStateWithLease(
                claimed.lease(),
                claimed.task().toBuilder().output(Map.of("step", 1)).build());
        TaskState done = tasks.upsertStateWithLease(
                claimed.lease(),
                claimed.task().toBuilder()
                        .status(Status.SUCCESS)
                        .output(Map.of("step", 2))
                        .build());

        assertThat(progress.status()).isEqualTo(Status.RUNNING);
        assertThat(done.updatedAt()).isAfterOrEqualTo(progress.updatedAt());
        assertThat(tasks.getState(claimed.task().taskExecId()).output()).isEqualTo(Map.of("step", 2));
    }

    @Test
    void aWriteWithAStaleTokenIsRefusedAndWritesNothing() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask first = claimOne(AGENT_A);
        expire(first.task().taskExecId());
        ClaimedTask second = claimOne(AGENT_B);
        TaskState before = tasks.getState(first.task().taskExecId());

        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        first.lease(),
                        first.task().toBuilder()
                                .status(Status.SUCCESS)
                                .output(Map.of("late", true))
                                .build()))
                .isInstanceOfSatisfying(StaleLeaseException.class, e -> {
                    assertThat(e.presentedToken()).isEqualTo(1);
                    assertThat(e.currentToken()).isEqualTo(2);
                    assertThat(e.taskExecId()).isEqualTo(first.task().taskExecId());
                    assertThat(e.getMessage()).contains("agent-b");
                });

        assertThat(tasks.getState(first.task().taskExecId())).isEqualTo(before);
        assertThat(second.lease().token()).isEqualTo(2);
    }

    @Test
    void aCompletionWithAStaleTokenIsRefusedAndLeavesTheParentUntouched() {
        TaskState parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        TaskState only = child(parent, "only").build();
        tasks.createChildStatesInTransaction(parent.taskExecId(), List.of(only));
        ClaimedTask first = claimOne(AGENT_A);
        expire(only.taskExecId());
        claimOne(AGENT_B);
        TaskState parentBefore = tasks.getState(parent.taskExecId());
        TaskState childBefore = tasks.getState(only.taskExecId());

        assertThatThrownBy(() -> tasks.completeChild(
                        first.lease(),
                        first.task().toBuilder().status(Status.FAILED).build(),
                        CompletionStrategy.FAIL_FAST))
                .isInstanceOf(StaleLeaseException.class);

        assertThat(tasks.getState(parent.taskExecId())).isEqualTo(parentBefore);
        assertThat(tasks.getState(only.taskExecId())).isEqualTo(childBefore);
    }

    @Test
    void theHolderCompletesItsChildAndSettlesTheParent() {
        TaskState parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        tasks.createChildStatesInTransaction(
                parent.taskExecId(), List.of(child(parent, "only").build()));
        ClaimedTask claimed = claimOne(AGENT_A);

        ChildCompletion done = tasks.completeChild(
                claimed.lease(),
                claimed.task().toBuilder().status(Status.SUCCESS).build(),
                CompletionStrategy.WAIT_ALL);

        assertThat(done.parentCompleted()).isTrue();
        assertThat(done.child().status()).isEqualTo(Status.SUCCESS);
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void heartbeatExtendsTheLeasesStillHeldAndReportsTheLostOnesInOneStatement() {
        for (int i = 0; i < 3; i++) {
            tasks.upsertState(task(execution, "work-" + i).build());
        }
        List<ClaimedTask> held =
                tasks.claimTasks(execution.workflowExecId(), AGENT_A, 3).claimed();
        Lease lost = held.get(1).lease();
        expire(lost.taskExecId());
        ClaimedTask taken = claimOne(AGENT_B);
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));

        HeartbeatResult beat;
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            beat = recorded.taskRepository()
                    .heartbeat(held.stream().map(ClaimedTask::lease).toList(), Duration.ofMinutes(5));
        }

        assertThat(recorder.executions())
                .singleElement()
                .satisfies(e -> assertThat(e.sql()).contains("UPDATE task_states"));
        assertThat(beat.lost()).containsExactly(lost);
        assertThat(beat.extended())
                .extracting(Lease::taskExecId)
                .containsExactly(
                        held.get(0).lease().taskExecId(), held.get(2).lease().taskExecId());
        for (ClaimedTask claimed : List.of(held.get(0), held.get(2))) {
            Lease extended = beat.extended().stream()
                    .filter(l -> l.taskExecId().equals(claimed.task().taskExecId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(extended.expiresAt()).isAfter(claimed.lease().expiresAt());
            assertThat(tasks.getState(claimed.task().taskExecId()).updatedAt())
                    .as("the task's state did not change")
                    .isEqualTo(claimed.task().updatedAt());
            assertThat(count(
                            "SELECT count(*) FROM task_states WHERE task_exec_id = ? AND lease_expires_at = ?",
                            claimed.task().taskExecId(),
                            java.time.OffsetDateTime.ofInstant(extended.expiresAt(), java.time.ZoneOffset.UTC)))
                    .isEqualTo(1);
        }
        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE task_exec_id = ? AND lease_owner = 'agent-b'"
                                + " AND lease_expires_at = ?",
                        taken.task().taskExecId(),
                        java.time.OffsetDateTime.ofInstant(taken.lease().expiresAt(), java.time.ZoneOffset.UTC)))
                .as("the new owner's lease is not extended")
                .isEqualTo(1);
    }

    @Test
    void aHeartbeatKeepsAnExpiredLeaseThatNobodyTookYet() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask claimed = claimOne(AGENT_A);
        expire(claimed.task().taskExecId());

        HeartbeatResult beat = tasks.heartbeat(List.of(claimed.lease()), MINUTE);

        assertThat(beat.lost()).isEmpty();
        assertThat(tasks.claimTasks(execution.workflowExecId(), AGENT_B, 10).isEmpty())
                .isTrue();
    }

    @Test
    void aLeaseUnawareUpsertKeepsTheLeaseColumnsAndAFinishedTaskRefusesItsHolder() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask claimed = claimOne(AGENT_A);

        tasks.upsertState(claimed.task().toBuilder()
                .status(Status.SUCCESS)
                .output(Map.of("by", "go"))
                .build());

        assertThat(count("SELECT count(*) FROM task_states WHERE lease_owner = 'agent-a' AND fencing_token = 1"))
                .isEqualTo(1);
        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        claimed.lease(),
                        claimed.task().toBuilder().status(Status.FAILED).build()))
                .isInstanceOf(TaskAlreadyTerminalException.class);
        assertThat(tasks.heartbeat(List.of(claimed.lease()), MINUTE).lost()).containsExactly(claimed.lease());
    }

    @Test
    void aLeaseUnawareUpsertBackToRunningLeavesAnExpiredLeaseClaimable() {
        tasks.upsertState(task(execution, "work").build());
        ClaimedTask claimed = claimOne(AGENT_A);
        expire(claimed.task().taskExecId());

        tasks.upsertState(claimed.task().toBuilder().output(Map.of("by", "go")).build());

        assertThat(claimOne(AGENT_B).lease().token()).isEqualTo(2);
    }

    @Test
    void badTermsAndLeasesFailBeforeAnySql() {
        assertThatThrownBy(() -> LeaseTerms.of(" ", MINUTE)).hasMessageStartingWith("owner:");
        assertThatThrownBy(() -> LeaseTerms.of("a", Duration.ZERO)).hasMessageStartingWith("duration:");
        assertThatThrownBy(() -> LeaseTerms.of("a", MINUTE).withMaxAttempts(0)).hasMessageStartingWith("maxAttempts:");
        assertThatThrownBy(() -> tasks.claimTasks("x", AGENT_A, 0)).hasMessageStartingWith("limit:");
        assertThatThrownBy(() -> tasks.claimTasks(null, 1)).hasMessageStartingWith("terms:");
        assertThatThrownBy(() -> tasks.reclaimExpired(0, 1)).hasMessageStartingWith("maxAttempts:");
        assertThatThrownBy(() -> tasks.heartbeat(List.of(), Duration.ofMillis(0)))
                .hasMessageStartingWith("duration:");
        Lease lease = new Lease("t-1", "a", 1, java.time.Instant.now());
        assertThatThrownBy(() -> tasks.heartbeat(List.of(lease, lease), MINUTE)).hasMessageStartingWith("leases:");
        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        lease, task(execution, "other").build()))
                .hasMessageStartingWith("lease:");
        assertThatThrownBy(() -> new Lease("t-1", "a", 0, java.time.Instant.now()))
                .hasMessageStartingWith("lease.token:");
    }

    @Test
    void aLeasedWriteToAMissingTaskIsNotFound() {
        Lease lease = new Lease("missing", "a", 1, java.time.Instant.now());

        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        lease, task(execution, "x").taskExecId("missing").build()))
                .isInstanceOf(TaskNotFoundException.class);
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }
}
