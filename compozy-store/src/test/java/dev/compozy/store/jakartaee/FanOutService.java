package dev.compozy.store.jakartaee;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.ChildCompletion;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An application's service: repositories injected, transactions demarcated by the container. */
@ApplicationScoped
public class FanOutService {
    @Inject
    TaskRepository tasks;

    @Inject
    WorkflowRepository workflows;

    @Inject
    TransactionManager transactionManager;

    /** Writes an execution, a parallel parent and its children in the caller's container transaction. */
    @Transactional
    public TaskState start(String workflowId, int children) {
        WorkflowExecution execution = workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(Id.newId())
                .workflowId(workflowId)
                .status(Status.RUNNING)
                .build());
        TaskState parent = tasks.upsertState(TaskState.builder()
                .taskExecId(Id.newId())
                .taskId("fan-out")
                .workflowExecId(execution.workflowExecId())
                .workflowId(workflowId)
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
        List<TaskState> batch = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            batch.add(TaskState.builder()
                    .taskExecId(Id.newId())
                    .taskId("child-" + i)
                    .workflowExecId(execution.workflowExecId())
                    .workflowId(workflowId)
                    .parentStateId(parent.taskExecId())
                    .status(Status.PENDING)
                    .build());
        }
        tasks.createChildStatesInTransaction(parent.taskExecId(), batch);
        return parent;
    }

    /** Does all of {@link #start}'s writes, then fails, as a service bug would. */
    @Transactional
    public void startThenFail(String workflowId) {
        start(workflowId, 3);
        throw new IllegalStateException("the service failed after writing");
    }

    /** Writes an execution, then looks up a task that does not exist and carries on without it. */
    @Transactional
    public Optional<TaskState> startAndLookUpMissingTask(String workflowId) {
        start(workflowId, 1);
        try {
            return Optional.of(tasks.getState("no-such-task"));
        } catch (TaskNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes an execution, then a task of an execution that does not exist (the database refuses it),
     * and carries on; returns the refusal's SQLState and the JTA status seen after it.
     */
    @Transactional
    public List<Object> startAndWriteOrphanTask(String workflowId) throws SystemException {
        start(workflowId, 1);
        try {
            tasks.upsertState(TaskState.builder()
                    .taskExecId(Id.newId())
                    .taskId("orphan")
                    .workflowExecId("no-such-execution")
                    .workflowId(workflowId)
                    .status(Status.PENDING)
                    .build());
            return List.of("accepted", transactionManager.getStatus());
        } catch (StoreException e) {
            return List.of(e.sqlState(), transactionManager.getStatus());
        }
    }

    /**
     * Writes an execution, then runs a unit of work of its own that writes a task and fails a business
     * rule, and carries on; returns the JTA status seen after it.
     */
    @Transactional
    public int startAndFailAUnitOfWork(String workflowId) throws SystemException {
        TaskState parent = start(workflowId, 1);
        try {
            tasks.withTx(tx -> {
                tasks.upsertState(
                        tx,
                        parent.toBuilder()
                                .taskExecId(Id.newId())
                                .taskId("extra")
                                .build());
                throw new IllegalStateException("business rule broken");
            });
        } catch (IllegalStateException e) {
            return transactionManager.getStatus();
        }
        return -1;
    }

    /** One agent step: claims one pending task of the execution and completes it, in one transaction. */
    @Transactional
    public Optional<ChildCompletion> claimAndComplete(String workflowExecId) {
        List<TaskState> claimed = tasks.claimPendingTasks(workflowExecId, 1);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        TaskState done = claimed.get(0).toBuilder().status(Status.SUCCESS).build();
        return Optional.of(tasks.completeChild(done, CompletionStrategy.WAIT_ALL));
    }

    /** Reads the execution with its tasks inside the container transaction. */
    @Transactional
    public WorkflowExecution read(String workflowExecId) {
        return workflows.getExecution(workflowExecId);
    }
}
