package dev.compozy.store;

import dev.compozy.store.workflow.WorkflowExecution;
import io.hypersistence.utils.hibernate.type.json.JsonType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.Type;

/**
 * JPA mapping of {@code workflow_states}: the read and lock model behind
 * {@link HibernateWorkflowRepository}, immutable to Hibernate for the same reason as
 * {@link TaskStateEntity}, with its jsonb columns as JSON text like there. The repository returns
 * {@link WorkflowExecution}, never this class.
 */
@Entity
@Immutable
@Table(name = "workflow_states")
class WorkflowExecutionEntity {
    @Id
    @Column(name = "workflow_exec_id", nullable = false)
    private String workflowExecId;

    @Column(name = "workflow_id", nullable = false)
    private String workflowId;

    @Column(name = "status", nullable = false)
    private String status;

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

    @OneToMany(mappedBy = "workflow", fetch = FetchType.LAZY)
    private List<TaskStateEntity> tasks = new ArrayList<>();

    protected WorkflowExecutionEntity() {}

    public String getWorkflowExecId() {
        return workflowExecId;
    }

    public String getWorkflowId() {
        return workflowId;
    }

    public String getStatus() {
        return status;
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

    public List<TaskStateEntity> getTasks() {
        return Collections.unmodifiableList(tasks);
    }
}
