package example;

import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.CompletionStrategy;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;

/**
 * An application's service on the store: every method is one container (JTA) transaction, so all the
 * store's writes of a call commit together, or none of them does when the call throws.
 */
@ApplicationScoped
public class FanOutService {
    @Inject
    TaskRepository tasks;

    @Inject
    WorkflowRepository workflows;

    /**
     * Writes an execution and a parallel parent with {@code children} children, claims and completes every
     * child (which completes the parent), completes the execution and returns it as stored.
     */
    @Transactional
    public WorkflowExecution runToCompletion(String workflowId, int children) {
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
        for (TaskState claimed : tasks.claimPendingTasks(execution.workflowExecId(), children)) {
            tasks.completeChild(claimed.toBuilder().status(Status.SUCCESS).build(), CompletionStrategy.WAIT_ALL);
        }
        return workflows.completeWorkflow(execution.workflowExecId());
    }

    /** Does all of {@link #runToCompletion}'s writes, then fails, as a bug after the last write would. */
    @Transactional
    public WorkflowExecution runThenFail(String workflowId, int children) {
        runToCompletion(workflowId, children);
        throw new IllegalStateException("the service failed after writing " + workflowId);
    }

    /** The newest execution of the workflow with its tasks. */
    @Transactional
    public WorkflowExecution read(String workflowId) {
        return workflows.getExecutionByWorkflowId(workflowId);
    }
}
