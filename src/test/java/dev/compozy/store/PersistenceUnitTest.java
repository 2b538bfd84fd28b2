package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.task.TaskStateEntity;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecutionEntity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** META-INF/persistence.xml boots through the standard JPA bootstrap and maps both tables. */
class PersistenceUnitTest extends IntegrationTest {

    @Test
    void thePersistenceUnitBootsAndReadsTheTables() {
        execute("INSERT INTO workflow_states (workflow_exec_id, workflow_id, status) VALUES ('wf-pu', 'wf', 'RUNNING')");
        execute("INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,"
                + " execution_type) VALUES ('task', 'RUNNING', 'parent-pu', 'p', 'wf-pu', 'wf', 'parallel')");
        execute("INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,"
                + " parent_state_id) VALUES ('task', 'PENDING', 'child-pu', 'c', 'wf-pu', 'wf', 'parent-pu')");
        Map<String, Object> connection = Map.of(
                "jakarta.persistence.jdbc.url", db.jdbcUrl(TestDatabase.SHARED_DATABASE),
                "jakarta.persistence.jdbc.user", db.user(),
                "jakarta.persistence.jdbc.password", db.password());

        EntityManagerFactory factory = Persistence.createEntityManagerFactory(Store.PERSISTENCE_UNIT, connection);
        try (factory; EntityManager em = factory.createEntityManager()) {
            TaskStateEntity child = em.find(TaskStateEntity.class, "child-pu");
            assertThat(child.getParent().getTaskExecId()).isEqualTo("parent-pu");
            assertThat(child.getParent().getChildren()).extracting(TaskStateEntity::getTaskExecId).containsExactly("child-pu");
            WorkflowExecutionEntity workflow = em.find(WorkflowExecutionEntity.class, "wf-pu");
            assertThat(workflow.getTasks()).hasSize(2);
            assertThat(child.getWorkflow().getWorkflowId()).isEqualTo("wf");
        }
    }
}
