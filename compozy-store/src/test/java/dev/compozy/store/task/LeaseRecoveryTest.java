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
import dev.compozy.store.testing.LeaseHolderAgent;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Agents that die, stall or lose their tasks: real processes and threads, real time on short leases.
 * Waiting for a lease to end is waiting on the database's clock until its recorded expiry
 * ({@link #waitUntilPassed}), never a guessed sleep.
 */
class LeaseRecoveryTest extends IntegrationTest {
    private WorkflowExecution execution;
    private TaskState parent;

    @BeforeEach
    void aParallelTask() {
        execution = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    /** Blocks until the database's clock has passed {@code instant}; bounded, the instants here are seconds away. */
    private void waitUntilPassed(Instant instant) {
        assertThat(instant).isBefore(Instant.now().plusSeconds(60));
        execute(
                "SELECT pg_sleep(greatest(0, extract(epoch FROM ?::timestamptz - clock_timestamp())) + 0.001)",
                OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    @Test
    void tasksOfAnAgentKilledWithKill9AreReclaimedAfterTheLeaseCompletedOnceAndItsLateWritesRefused() throws Exception {
        int held = 20;
        List<TaskState> children = new ArrayList<>();
        for (int i = 0; i < held; i++) {
            children.add(child(parent, "c-" + i).build());
        }
        tasks.createChildStatesInTransaction(parent.taskExecId(), children);
        Map<String, TaskState> byId =
                children.stream().collect(Collectors.toMap(TaskState::taskExecId, Function.identity()));

        Process agent = startAgent("doomed", Duration.ofSeconds(3), held);
        List<Lease> doomed;
        try {
            doomed = leasesOf(agent);
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(agent.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            agent.destroyForcibly();
        }
        assertThat(agent.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        assertThat(doomed)
                .hasSize(held)
                .allSatisfy(lease -> assertThat(lease.token()).isEqualTo(1));
        assertThat(count("SELECT count(*) FROM task_states WHERE lease_owner = 'doomed' AND status = 'RUNNING'"))
                .isEqualTo(held);

        LeaseTerms rescuer = LeaseTerms.of("rescuer", Duration.ofMinutes(1));
        assertThat(tasks.claimTasks(execution.workflowExecId(), rescuer, held).isEmpty())
                .as("nothing is taken before the lease ends")
                .isTrue();
        waitUntilPassed(doomed.stream()
                .map(Lease::expiresAt)
                .max(Comparator.naturalOrder())
                .orElseThrow());
        ClaimBatch reclaimed = tasks.claimTasks(execution.workflowExecId(), rescuer, held * 2);

        assertThat(reclaimed.failed()).isEmpty();
        assertThat(reclaimed.claimed())
                .extracting(c -> c.task().taskExecId())
                .containsExactlyInAnyOrderElementsOf(byId.keySet());
        assertThat(reclaimed.claimed()).allSatisfy(c -> {
            assertThat(c.lease().token()).isEqualTo(2);
            assertThat(c.attempt()).isEqualTo(2);
        });
        Lease lateBeforeCompletion = doomed.get(0);
        assertThatThrownBy(() -> tasks.completeChild(
                        lateBeforeCompletion,
                        byId.get(lateBeforeCompletion.taskExecId()).toBuilder()
                                .status(Status.FAILED)
                                .build(),
                        CompletionStrategy.FAIL_FAST))
                .isInstanceOf(StaleLeaseException.class);

        Map<String, Integer> completions = new ConcurrentHashMap<>();
        int parentSettled = 0;
        for (ClaimedTask claimed : reclaimed.claimed()) {
            ChildCompletion done = tasks.completeChild(
                    claimed.lease(),
                    claimed.task().toBuilder()
                            .status(Status.SUCCESS)
                            .output(Map.of("by", "rescuer"))
                            .build(),
                    CompletionStrategy.FAIL_FAST);
            completions.merge(claimed.task().taskExecId(), 1, Integer::sum);
            parentSettled += done.parentCompleted() ? 1 : 0;
        }
        TaskState settledParent = tasks.getState(parent.taskExecId());

        for (Lease late : doomed) {
            TaskState replay = byId.get(late.taskExecId()).toBuilder()
                    .status(Status.FAILED)
                    .output(Map.of("by", "doomed"))
                    .build();
            assertThatThrownBy(() -> tasks.completeChild(late, replay, CompletionStrategy.FAIL_FAST))
                    .isInstanceOf(StaleLeaseException.class);
            assertThatThrownBy(() -> tasks.upsertStateWithLease(late, replay)).isInstanceOf(StaleLeaseException.class);
        }

        assertThat(completions)
                .hasSize(held)
                .allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(parentSettled).isEqualTo(1);
        assertThat(count(
                        "SELECT count(*) FROM task_states WHERE parent_state_id = ? AND status = 'SUCCESS'"
                                + " AND output->>'by' = 'rescuer'",
                        parent.taskExecId()))
                .isEqualTo(held);
        assertThat(tasks.getState(parent.taskExecId()))
                .isEqualTo(settledParent)
                .satisfies(p -> assertThat(p.status()).isEqualTo(Status.SUCCESS));
    }

    private Process startAgent(String owner, Duration lease, int taskCount) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(
                        java.toString(),
                        "-Xmx256m",
                        "-cp",
                        classpath,
                        LeaseHolderAgent.class.getName(),
                        db.host(),
                        Integer.toString(db.port()),
                        db.user(),
                        db.password(),
                        TestDatabase.SHARED_DATABASE,
                        execution.workflowExecId(),
                        owner,
                        Long.toString(lease.toMillis()),
                        Integer.toString(taskCount))
                .redirectErrorStream(true)
                .start();
    }

    /** The agent's leases, once it says it holds them; its other output only if it ends first. */
    private static List<Lease> leasesOf(Process agent) throws Exception {
        CompletableFuture<List<Lease>> holding = CompletableFuture.supplyAsync(() -> {
            List<Lease> leases = new ArrayList<>();
            StringBuilder output = new StringBuilder();
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.equals("HOLDING")) {
                        return leases;
                    }
                    if (line.startsWith("LEASE ")) {
                        String[] parts = line.split(" ");
                        leases.add(new Lease(parts[1], "doomed", Long.parseLong(parts[2]), Instant.parse(parts[3])));
                    } else {
                        output.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new AssertionError("the agent ended before holding its tasks:\n" + output);
        });
        return holding.get(2, TimeUnit.MINUTES);
    }

    /**
     * The 10,000 tasks are the grandchildren of the parent, in 100 groups of 100: every completion counts
     * its siblings while holding their parent's lock, and under one parent of 10,000 children those
     * completions queued on one lock, counting 10,000 rows each (116 s and 143 s for this test measured
     * here, against well under a minute like this). A group's last task settles the group; the agent
     * then repeats the group's stored outcome through completeChild, which settles the parent once.
     */
    @Test
    void eightAgentsCompleteTenThousandTasksExactlyOnceWhileFivePercentOfClaimsAreAbandoned() throws Exception {
        int agents = 8;
        int groups = 100;
        int total = 10_000;
        int batch = 10;
        Duration lease = Duration.ofSeconds(1);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,
                                         execution_type, parent_state_id)
                SELECT 'task', 'RUNNING', 'group-' || lpad(g::text, 3, '0'), 'group-' || g, ?, ?, 'parallel', ?
                FROM generate_series(1, ?) g""", execution.workflowExecId(), execution.workflowId(), parent.taskExecId(), groups);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,
                                         parent_state_id)
                SELECT 'task', 'PENDING', 'work-' || lpad(g::text, 5, '0'), 'step-' || g, ?, ?,
                       'group-' || lpad((g % ?+ 1)::text, 3, '0')
                FROM generate_series(1, ?) g""", execution.workflowExecId(), execution.workflowId(), groups, total);
        AtomicInteger groupsSettled = new AtomicInteger();
        Map<String, Integer> completions = new ConcurrentHashMap<>();
        AtomicInteger abandoned = new AtomicInteger();
        java.util.Set<String> abandonedTasks = ConcurrentHashMap.newKeySet();
        AtomicInteger refusedAsStale = new AtomicInteger();
        AtomicInteger parentSettled = new AtomicInteger();
        ConcurrentLinkedQueue<TaskState> failedByLease = new ConcurrentLinkedQueue<>();
        AtomicLong longestClaimCycleNanos = new AtomicLong();
        AtomicLong worstOverdueMicros = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(agents);

        ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor();
        try (Connection watcher = db.connect(TestDatabase.SHARED_DATABASE);
                PreparedStatement overdue = watcher.prepareStatement("""
                        SELECT coalesce(max((extract(epoch FROM now() - lease_expires_at) * 1e6)::bigint), 0)
                        FROM task_states
                        WHERE workflow_exec_id = ? AND status = 'RUNNING' AND lease_expires_at < now()""");
                // Commits need not wait for the disk here: what is tested is who wins, not durability, and
                // every completion commits while holding the parent's lock, so each flush would add up.
                Store pool = Store.open(db.config().toBuilder()
                        .maxPoolSize(agents)
                        .minIdle(agents)
                        .connString(db.jdbcUrl(TestDatabase.SHARED_DATABASE) + "?options=-c%20synchronous_commit%3Doff")
                        .build())) {
            overdue.setString(1, execution.workflowExecId());
            Future<?> watching = monitor.scheduleWithFixedDelay(
                    () -> {
                        try (ResultSet row = overdue.executeQuery()) {
                            row.next();
                            worstOverdueMicros.accumulateAndGet(row.getLong(1), Math::max);
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    0,
                    20,
                    TimeUnit.MILLISECONDS);
            TaskRepository repo = pool.taskRepository();
            ExecutorService threads = Executors.newFixedThreadPool(agents);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int a = 0; a < agents; a++) {
                    int agent = a;
                    running.add(threads.submit(() -> {
                        SplittableRandom random = new SplittableRandom(agent);
                        LeaseTerms terms =
                                LeaseTerms.of("agent-" + agent, lease).withMaxAttempts(100);
                        start.await();
                        long previousClaim = 0;
                        while (completions.size() < total) {
                            long claiming = System.nanoTime();
                            ClaimBatch claimed = repo.claimTasks(execution.workflowExecId(), terms, batch);
                            if (previousClaim != 0) {
                                longestClaimCycleNanos.accumulateAndGet(System.nanoTime() - previousClaim, Math::max);
                            }
                            previousClaim = claiming;
                            failedByLease.addAll(claimed.failed());
                            if (claimed.isEmpty()) {
                                // Idle: the rest is held or abandoned; poll again shortly, as an idle agent would.
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                                continue;
                            }
                            for (ClaimedTask task : claimed.claimed()) {
                                if (random.nextInt(100) < 5) {
                                    abandoned.incrementAndGet();
                                    abandonedTasks.add(task.task().taskExecId());
                                    continue;
                                }
                                try {
                                    ChildCompletion done = repo.completeChild(
                                            task.lease(),
                                            task.task().toBuilder()
                                                    .status(Status.SUCCESS)
                                                    .output(Map.of("agent", agent))
                                                    .build(),
                                            CompletionStrategy.WAIT_ALL);
                                    completions.merge(task.task().taskExecId(), 1, Integer::sum);
                                    if (done.parentCompleted()) {
                                        groupsSettled.incrementAndGet();
                                        ChildCompletion group = repo.completeChild(
                                                repo.getState(task.task().parentStateId()),
                                                CompletionStrategy.WAIT_ALL);
                                        parentSettled.addAndGet(group.parentCompleted() ? 1 : 0);
                                    }
                                } catch (StaleLeaseException e) {
                                    refusedAsStale.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> agent : running) {
                    agent.get(3, TimeUnit.MINUTES);
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(watching.isDone())
                    .as("the monitor ran until stopped, without failing")
                    .isFalse();
        } finally {
            monitor.shutdownNow();
            assertThat(monitor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(completions).hasSize(total);
        assertThat(completions.values()).as("every task completed exactly once").allMatch(n -> n == 1);
        assertThat(failedByLease).isEmpty();
        assertThat(abandoned.get()).as("claims abandoned").isGreaterThan(0);
        assertThat(count("SELECT count(*) FROM task_states WHERE task_exec_id = ANY (?) AND fencing_token > 1", (Object)
                        abandonedTasks.toArray(String[]::new)))
                .as("abandoned tasks were claimed again")
                .isEqualTo(abandonedTasks.size());
        assertThat(count("SELECT count(*) FROM task_states WHERE task_exec_id LIKE 'work-%' AND status = 'SUCCESS'"))
                .isEqualTo(total);
        assertThat(count("SELECT count(*) FROM task_states WHERE status = 'RUNNING'"))
                .isZero();
        assertThat(groupsSettled).as("each group settled once").hasValue(groups);
        assertThat(parentSettled).as("the parent settled once").hasValue(1);
        assertThat(tasks.getState(parent.taskExecId()).status()).isEqualTo(Status.SUCCESS);
        assertThat(worstOverdueMicros.get())
                .as(
                        "longest a task stayed RUNNING past its lease (µs), against the longest claim cycle; "
                                + "%d abandoned, %d late completions refused",
                        abandoned.get(), refusedAsStale.get())
                .isLessThanOrEqualTo(TimeUnit.NANOSECONDS.toMicros(longestClaimCycleNanos.get()));
    }

    @Test
    void heartbeatsKeepATaskThatRunsThreeLeasesWithItsAgent() throws Exception {
        Duration lease = Duration.ofMillis(900);
        tasks.upsertState(task(execution, "long-running").build());
        ClaimedTask held = tasks.claimTasks(execution.workflowExecId(), LeaseTerms.of("worker", lease), 1)
                .claimed()
                .get(0);
        Instant done = held.task().updatedAt().plus(lease.multipliedBy(3));
        ConcurrentLinkedQueue<HeartbeatResult> beats = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<ClaimedTask> taken = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        LeaseTerms competitor = LeaseTerms.of("competitor", lease);

        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        try {
            timers.scheduleAtFixedRate(
                    () -> guarded(errors, () -> beats.add(tasks.heartbeat(List.of(held.lease()), lease))),
                    300,
                    300,
                    TimeUnit.MILLISECONDS);
            timers.scheduleAtFixedRate(
                    () -> guarded(
                            errors,
                            () -> taken.addAll(tasks.claimTasks(execution.workflowExecId(), competitor, 1)
                                    .claimed())),
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
            waitUntilPassed(done);
        } finally {
            timers.shutdown();
            assertThat(timers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(errors).isEmpty();
        assertThat(taken).as("the competitor never got the task").isEmpty();
        assertThat(beats).isNotEmpty().allSatisfy(beat -> {
            assertThat(beat.lost()).isEmpty();
            assertThat(beat.extended())
                    .singleElement()
                    .satisfies(l -> assertThat(l.token()).isEqualTo(1));
        });
        TaskState finished = tasks.upsertStateWithLease(
                held.lease(), held.task().toBuilder().status(Status.SUCCESS).build());
        assertThat(finished.updatedAt()).isAfter(done);
        assertThat(count("SELECT count(*) FROM task_states WHERE lease_owner = 'worker' AND fencing_token = 1"
                        + " AND status = 'SUCCESS'"))
                .isEqualTo(1);
    }

    private static void guarded(ConcurrentLinkedQueue<Throwable> errors, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            errors.add(e);
        }
    }

    @Test
    void anAgentWhoseExpiredLeaseWasTakenIsToldByItsNextHeartbeat() {
        Duration lease = Duration.ofMillis(300);
        tasks.upsertState(task(execution, "stalled").build());
        ClaimedTask stalled = tasks.claimTasks(execution.workflowExecId(), LeaseTerms.of("stalled", lease), 1)
                .claimed()
                .get(0);
        waitUntilPassed(stalled.lease().expiresAt());
        ClaimedTask taken = tasks.claimTasks(
                        execution.workflowExecId(), LeaseTerms.of("fresh", Duration.ofMinutes(1)), 1)
                .claimed()
                .get(0);

        HeartbeatResult beat = tasks.heartbeat(List.of(stalled.lease()), lease);

        assertThat(beat.lost()).containsExactly(stalled.lease());
        assertThat(beat.extended()).isEmpty();
        assertThat(taken.lease().token()).isEqualTo(2);
        assertThatThrownBy(() -> tasks.upsertStateWithLease(
                        stalled.lease(),
                        stalled.task().toBuilder().status(Status.SUCCESS).build()))
                .isInstanceOf(StaleLeaseException.class);
    }
}
