package example;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.task.TaskRepository;

/** Compiles only if the store's API and what it exposes (Hibernate, JPA) reach the user's class path. */
public final class UsesTheStore {
    private UsesTheStore() {}

    public static TaskRepository tasks(StoreConfig config) {
        Store store = Store.open(config);
        store.database().entityManagerFactory().unwrap(org.hibernate.SessionFactory.class);
        return store.taskRepository();
    }
}
