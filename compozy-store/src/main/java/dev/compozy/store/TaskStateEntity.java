package dev.compozy.store;

import dev.compozy.store.task.TaskState;
import io.hypersistence.utils.hibernate.type.json.JsonType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.Type;

/**
 * JPA mapping of {@code task_states}: the read and lock model behind {@link HibernateTaskRepository}.
 * Writes go through the repository's native upserts (atomic, {@code updated_at = now()}), so the entity
 * is immutable to Hibernate; the repository returns {@link TaskState}, never this class.
 *
 * <p>The parent and the workflow are lazy associations; their key columns are also mapped read-only so
 * the ids can be read without touching a proxy.
 *
 * <p>The jsonb columns are mapped as their JSON text, which the repository reads with the store's one JSON
 * codec ({@link dev.compozy.store.Json#objectFromJsonb}): a typed mapping here would be a second
 * reader with other limits and other number types, and one that hands back the driver's wrapper object
 * for a document it cannot map.
 */
@Entity
@Immutable
@Table(name = "task_states")
class TaskStateEntity {
    @Id
    @Column(name = "task_exec_id", nullable = false)
    private String taskExecId;

    @Column(name = "task_id", nullable = false)
    private String taskId;

    @Column(name = "workflow_exec_id", nullable = false, insertable = false, updatable = false)
    private String workflowExecId;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "workflow_exec_id", nullable = false)
    private WorkflowExecutionEntity workflow;

    @Column(name = "workflow_id", nullable = false)
    private String workflowId;

    @Column(name = "component", nullable = false)
    private String component;

    @Column(name = "status", nullable = false)
    private String status;

    @Column(name = "execution_type", nullable = false)
    private String executionType;

    @Column(name = "agent_id")
    private String agentId;

    @Column(name = "action_id")
    private String actionId;

    @Column(name = "tool_id")
    private String toolId;

    @Column(name = "parent_state_id", insertable = false, updatable = false)
    private String parentStateId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "parent_state_id")
    private TaskStateEntity parent;

    @OneToMany(mappedBy = "parent", fetch = FetchType.LAZY)
    @OrderBy("taskId ASC, createdAt ASC")
    private List<TaskStateEntity> children = new ArrayList<>();

    @Type(JsonType.class)
    @Column(name = "input", columnDefinition = "jsonb")
    private String input;

    @Type(JsonType.class)
    @Column(name = "output", columnDefinition = "jsonb")
    private String output;

    @Type(JsonType.class)
    @Column(name = "error", columnDefinition = "jsonb")
    private String error;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false, insertable = false, updatable = false)
    private Instant updatedAt;

    protected TaskStateEntity() {}

    public String getTaskExecId() {
        return taskExecId;
    }

    public String getTaskId() {
        return taskId;
    }

    public String getWorkflowExecId() {
        return workflowExecId;
    }

    public WorkflowExecutionEntity getWorkflow() {
        return workflow;
    }

    public String getWorkflowId() {
        return workflowId;
    }

    public String getComponent() {
        return component;
    }

    public String getStatus() {
        return status;
    }

    public String getExecutionType() {
        return executionType;
    }

    public String getAgentId() {
        return agentId;
    }

    public String getActionId() {
        return actionId;
    }

    public String getToolId() {
        return toolId;
    }

    public String getParentStateId() {
        return parentStateId;
    }

    public TaskStateEntity getParent() {
        return parent;
    }

    public List<TaskStateEntity> getChildren() {
        return Collections.unmodifiableList(children);
    }

    public String getInput() {
        return input;
    }

    public String getOutput() {
        return output;
    }

    public String getError() {
        return error;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
