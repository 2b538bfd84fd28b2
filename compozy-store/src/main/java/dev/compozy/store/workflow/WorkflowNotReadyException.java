package dev.compozy.store.workflow;

import dev.compozy.store.core.StoreException;
import java.util.List;

/** {@code completeWorkflow} found top-level tasks still pending or running; nothing was changed. */
public class WorkflowNotReadyException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String workflowExecId;
    private final List<String> unfinishedTaskIds;

    public WorkflowNotReadyException(String workflowExecId, List<String> unfinishedTaskIds) {
        super(
                "completeWorkflow",
                "workflow execution '" + workflowExecId + "' is not ready to complete: " + unfinishedTaskIds.size()
                        + " top-level task(s) still pending or running " + preview(unfinishedTaskIds));
        this.workflowExecId = workflowExecId;
        this.unfinishedTaskIds = List.copyOf(unfinishedTaskIds);
    }

    private static String preview(List<String> ids) {
        return ids.size() <= 10 ? ids.toString() : ids.subList(0, 10) + "…";
    }

    public String workflowExecId() {
        return workflowExecId;
    }

    /** The task_ids of the top-level tasks that are PENDING or RUNNING. */
    public List<String> unfinishedTaskIds() {
        return unfinishedTaskIds;
    }
}
