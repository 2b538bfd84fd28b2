package dev.compozy.store.jakartaee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Database;
import dev.compozy.store.Store;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.TransientStoreException;
import dev.compozy.store.task.ChildCompletion;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.persistence.EntityManager;
import jakarta.transaction.TransactionManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The repositories on a container-managed JTA entity manager, injected by CDI into a {@code @Transactional}
 * service: Weld SE with Narayana, a unit on the jar's mapping file deployed as a JTA unit.
 */
class ContainerManagedStoreTest extends IntegrationTest {
    private static JakartaEeContainer container;

    @BeforeAll
    static void startContainer() throws Exception {
        sharedStore();
        container = JakartaEeContainer.start(
                dev.compozy.store.testing.TestDatabase.get(), CompozyStoreProducer.class, FanOutService.class);
    }

    @AfterAll
    static void stopContainer() {
        container.close();
    }

    private FanOutService service() {
        return container.bean(FanOutService.class);
    }

    private TransactionManager jta() {
        return container.transactionManager();
    }

    @Test
    void repositoryWritesCommitWithTheContainerTransaction() {
        TaskState parent = service().start("jta-commit", 25);

        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-commit'"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM task_states WHERE parent_state_id = ?", parent.taskExecId()))
                .isEqualTo(25);
    }

    @Test
    void aServiceFailureRollsBackEveryRepositoryWriteOfItsTransaction() {
        assertThatThrownBy(() -> service().startThenFail("jta-rollback"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the service failed after writing");

        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-rollback'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM task_states WHERE workflow_id = 'jta-rollback'"))
                .isZero();
    }

    @Test
    void aFailedStatementMarksTheContainerTransactionRollbackOnlyEvenWhenTheServiceCatchesIt() throws Exception {
        List<Object> refusalAndStatus = service().startAndWriteOrphanTask("jta-doomed");

        assertThat(refusalAndStatus).containsExactly("23503", jakarta.transaction.Status.STATUS_MARKED_ROLLBACK);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-doomed'"))
                .isZero();
    }

    @Test
    void aFailedUnitOfWorkMarksTheContainerTransactionRollbackOnlyEvenWhenTheServiceCatchesIt() throws Exception {
        int status = service().startAndFailAUnitOfWork("jta-unit-failed");

        assertThat(status).isEqualTo(jakarta.transaction.Status.STATUS_MARKED_ROLLBACK);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-unit-failed'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM task_states WHERE workflow_id = 'jta-unit-failed'"))
                .isZero();
    }

    @Test
    void aTaskNotFoundIsAnAnswerThatLeavesTheContainerTransactionCommittable() {
        Optional<TaskState> found = service().startAndLookUpMissingTask("jta-not-found");

        assertThat(found).isEmpty();
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-not-found'"))
                .isEqualTo(1);
    }

    @Test
    void withoutAContainerTransactionAnOperationRunsInAJtaTransactionOfItsOwn() throws Exception {
        TaskRepository tasks = container.bean(TaskRepository.class);
        WorkflowRepository workflows = container.bean(WorkflowRepository.class);

        WorkflowExecution execution = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(Id.newId())
                .workflowId("jta-own")
                .status(Status.RUNNING)
                .build());
        tasks.upsertState(TaskState.builder()
                .taskExecId(Id.newId())
                .taskId("t")
                .workflowExecId(execution.workflowExecId())
                .workflowId("jta-own")
                .status(Status.PENDING)
                .build());

        assertThat(jta().getStatus()).isEqualTo(jakarta.transaction.Status.STATUS_NO_TRANSACTION);
        assertThat(count("SELECT count(*) FROM task_states WHERE workflow_id = 'jta-own'"))
                .isEqualTo(1);
        assertThat(workflows.getExecution(execution.workflowExecId()).tasks()).hasSize(1);
    }

    @Test
    void aSnapshotReadJoinsTheContainerTransactionAndSeesItsUncommittedWrites() {
        TaskState parent = service().start("jta-read", 2);

        WorkflowExecution read = service().read(parent.workflowExecId());

        assertThat(read.tasks()).hasSize(3);
    }

    @Test
    void aRetryingTransactionRetriesWhenItOwnsTheJtaTransaction() {
        TaskRepository tasks = container.bean(TaskRepository.class);
        WorkflowRepository workflows = container.bean(WorkflowRepository.class);
        AtomicInteger attempts = new AtomicInteger();

        WorkflowExecution written = tasks.fromTx(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1)), tx -> {
            WorkflowExecution execution = workflows.upsertExecution(WorkflowExecution.builder()
                    .workflowExecId(Id.newId())
                    .workflowId("jta-retry")
                    .status(Status.RUNNING)
                    .build());
            if (attempts.incrementAndGet() == 1) {
                throw new TransientStoreException("test", "a deadlock on the first attempt", null);
            }
            return execution;
        });

        assertThat(attempts).hasValue(2);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_id = 'jta-retry'"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM workflow_states WHERE workflow_exec_id = ?", written.workflowExecId()))
                .isEqualTo(1);
    }

    @Test
    void aRetryingTransactionIsRefusedInsideAContainerTransaction() throws Exception {
        TaskRepository tasks = container.bean(TaskRepository.class);
        jta().begin();
        try {
            assertThatThrownBy(() -> tasks.withTx(RetryPolicy.defaults(), tx -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot join an open one");
        } finally {
            jta().rollback();
        }
    }

    @Test
    void agentsClaimAndCompleteEveryChildOnceInContainerTransactions() throws Exception {
        TaskState parent = service().start("jta-agents", 40);
        List<ChildCompletion> completions = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService agents = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int agent = 0; agent < 4; agent++) {
                running.add(agents.submit(() -> {
                    for (Optional<ChildCompletion> step = service().claimAndComplete(parent.workflowExecId());
                            step.isPresent();
                            step = service().claimAndComplete(parent.workflowExecId())) {
                        completions.add(step.get());
                    }
                }));
            }
            for (Future<?> agent : running) {
                agent.get();
            }
        } finally {
            agents.shutdown();
        }

        assertThat(completions).hasSize(40);
        assertThat(completions).extracting(c -> c.child().taskExecId()).doesNotHaveDuplicates();
        assertThat(completions).filteredOn(ChildCompletion::parentCompleted).hasSize(1);
        assertThat(completions)
                .extracting(c -> c.parentProgress().terminalCount())
                .doesNotHaveDuplicates();
        assertThat(scalar("SELECT status FROM task_states WHERE task_exec_id = ?", parent.taskExecId()))
                .isEqualTo("SUCCESS");
    }

    @Test
    void aResourceLocalEntityManagerIsRejectedNamingTheParameter() {
        try (EntityManager resourceLocal =
                store.database().entityManagerFactory().createEntityManager()) {
            assertThatThrownBy(() -> Database.containerManaged(resourceLocal))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("entityManager: ")
                    .hasMessageContaining("resource-local");
        }
    }

    @Test
    void aContainerManagedDatabaseHasNoPoolOfItsOwn() {
        Database database = container.bean(Store.class).database();

        assertThatThrownBy(database::dataSource)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JTA data source");
    }
}
