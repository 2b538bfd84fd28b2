package dev.compozy.store.jakartaee;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SynchronizationType;
import jakarta.persistence.TransactionRequiredException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * What a Jakarta EE container injects for {@code @PersistenceContext}: one shared proxy that routes every
 * call to the entity manager of the thread's JTA transaction, created on first use and closed when the
 * transaction ends. Calls outside a transaction are refused, except asking for the factory.
 */
final class TransactionScopedEntityManager implements InvocationHandler {
    private final EntityManagerFactory factory;
    private final TransactionSynchronizationRegistry registry;
    private final Object key = new Object();

    private TransactionScopedEntityManager(EntityManagerFactory factory, TransactionSynchronizationRegistry registry) {
        this.factory = factory;
        this.registry = registry;
    }

    static EntityManager create(EntityManagerFactory factory, TransactionSynchronizationRegistry registry) {
        return (EntityManager) Proxy.newProxyInstance(
                EntityManager.class.getClassLoader(),
                new Class<?>[] {EntityManager.class},
                new TransactionScopedEntityManager(factory, registry));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "getEntityManagerFactory":
                return factory;
            case "close":
                throw new IllegalStateException("a container-managed entity manager cannot be closed");
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "toString":
                return "TransactionScopedEntityManager";
            default:
                break;
        }
        boolean inTransaction = registry.getTransactionStatus() == Status.STATUS_ACTIVE
                || registry.getTransactionStatus() == Status.STATUS_MARKED_ROLLBACK;
        if (!inTransaction) {
            if (method.getName().equals("isJoinedToTransaction")) {
                return false;
            }
            throw new TransactionRequiredException(method.getName() + " needs a JTA transaction");
        }
        try {
            return method.invoke(transactionEntityManager(), args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private EntityManager transactionEntityManager() {
        EntityManager entityManager = (EntityManager) registry.getResource(key);
        if (entityManager == null) {
            EntityManager created = factory.createEntityManager(SynchronizationType.SYNCHRONIZED);
            registry.putResource(key, created);
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    // Hibernate flushes in its own synchronization; nothing to add before completion.
                }

                @Override
                public void afterCompletion(int status) {
                    created.close();
                }
            });
            entityManager = created;
        }
        return entityManager;
    }
}
