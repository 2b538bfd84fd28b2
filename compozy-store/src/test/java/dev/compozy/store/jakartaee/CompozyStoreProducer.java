package dev.compozy.store.jakartaee;

import dev.compozy.store.Store;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/** The CDI producer of src/site/jakarta-ee.md, word for word: repositories on the container's JTA entity manager. */
@ApplicationScoped
public class CompozyStoreProducer {
    @PersistenceContext(unitName = "compozy-store")
    EntityManager entityManager;

    @Produces
    @Singleton
    Store store() {
        return Store.containerManaged(entityManager);
    }

    @Produces
    @ApplicationScoped
    TaskRepository taskRepository(Store store) {
        return store.taskRepository();
    }

    @Produces
    @ApplicationScoped
    WorkflowRepository workflowRepository(Store store) {
        return store.workflowRepository();
    }
}
