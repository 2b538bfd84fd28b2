package dev.compozy.store.workflow;

import dev.compozy.store.core.StoreException;

/** No workflow execution matched what was asked for. */
public class WorkflowNotFoundException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String id;

    public WorkflowNotFoundException(String operation, String id, String message) {
        super(operation, message);
        this.id = id;
    }

    public static WorkflowNotFoundException execution(String operation, String workflowExecId) {
        return new WorkflowNotFoundException(
                operation, workflowExecId, "workflow execution '" + workflowExecId + "' not found");
    }

    /** The id that was looked up: an execution id, or for the {@code getExecutionBy…} lookups the workflow id. */
    public String id() {
        return id;
    }
}
