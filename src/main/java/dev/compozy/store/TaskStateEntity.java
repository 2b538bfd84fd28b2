package dev.compozy.store;

import dev.compozy.store.task.TaskState;
import io.hypersistence.utils.hibernate.type.json.JsonType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.Type;

/**
 * JPA mapping of {@code task_states}: the read and lock model behind {@link HibernateTaskRepository}.
 * Writes go through the repository's native upserts (atomic, {@code updated_at = now()}), so the entity
 * is immutable to Hibernate; the repository returns {@link TaskState}, never this class.
 *
 * <p>The parent and the workflow are their key columns, not associations: nothing navigates them, and each
 * lazy association cost a generated proxy class at every bootstrap.
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

    @Column(name = "workflow_exec_id", nullable = false)
    private String workflowExecId;

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

    @Column(name = "parent_state_id")
    private String parentStateId;

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

    String getTaskExecId() {
        return taskExecId;
    }

    String getTaskId() {
        return taskId;
    }

    String getWorkflowExecId() {
        return workflowExecId;
    }

    String getWorkflowId() {
        return workflowId;
    }

    String getComponent() {
        return component;
    }

    String getStatus() {
        return status;
    }

    String getExecutionType() {
        return executionType;
    }

    String getAgentId() {
        return agentId;
    }

    String getActionId() {
        return actionId;
    }

    String getToolId() {
        return toolId;
    }

    String getParentStateId() {
        return parentStateId;
    }

    String getInput() {
        return input;
    }

    String getOutput() {
        return output;
    }

    String getError() {
        return error;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getUpdatedAt() {
        return updatedAt;
    }
}
