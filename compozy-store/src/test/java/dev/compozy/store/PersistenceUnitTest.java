package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import jakarta.persistence.PersistenceConfiguration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jar's mapping file boots a unit through the standard JPA bootstrap and maps both tables; the jar ships
 * no persistence.xml, so a container deploys the application's unit and no other.
 */
class PersistenceUnitTest extends IntegrationTest {

    @Test
    void theJarShipsNoPersistenceUnitOfItsOwn() {
        assertThat(Store.class.getClassLoader().getResource("META-INF/persistence.xml"))
                .isNull();
    }

    @Test
    void aUnitDeclaredWithTheMappingFileBootsAndReadsTheTables() {
        execute(
                "INSERT INTO workflow_states (workflow_exec_id, workflow_id, status) VALUES ('wf-pu', 'wf', 'RUNNING')");
        execute("INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,"
                + " execution_type) VALUES ('task', 'RUNNING', 'parent-pu', 'p', 'wf-pu', 'wf', 'parallel')");
        execute("INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,"
                + " parent_state_id) VALUES ('task', 'PENDING', 'child-pu', 'c', 'wf-pu', 'wf', 'parent-pu')");
        Map<String, Object> connection = Map.of(
                "jakarta.persistence.jdbc.url", db.jdbcUrl(TestDatabase.SHARED_DATABASE),
                "jakarta.persistence.jdbc.user", db.user(),
                "jakarta.persistence.jdbc.password", db.password());

        EntityManagerFactory factory =
                Persistence.createEntityManagerFactory(new PersistenceConfiguration(Store.PERSISTENCE_UNIT)
                        .mappingFile("META-INF/compozy-store-orm.xml")
                        .properties(connection));
        try (factory;
                EntityManager em = factory.createEntityManager()) {
            TaskStateEntity child = em.find(TaskStateEntity.class, "child-pu");
            assertThat(child.getParent().getTaskExecId()).isEqualTo("parent-pu");
            assertThat(child.getParent().getChildren())
                    .extracting(TaskStateEntity::getTaskExecId)
                    .containsExactly("child-pu");
            WorkflowExecutionEntity workflow = em.find(WorkflowExecutionEntity.class, "wf-pu");
            assertThat(workflow.getTasks()).hasSize(2);
            assertThat(child.getWorkflow().getWorkflowId()).isEqualTo("wf");
        }
    }
}
