package dev.compozy.store;

import jakarta.persistence.EntityManager;
import org.hibernate.LockMode;
import org.hibernate.Session;

/**
 * Loads an entity under a row lock, where a null result means only that the row is absent.
 *
 * <p>{@code EntityManager.find} is not that: once its transaction is rollback-only, Hibernate 7.4's
 * {@code find} answers null for a generic JDBC failure (its workaround for HHH-12472), so a lock
 * attempt in a transaction that an earlier failure (a refused lock, a failed statement) has already
 * aborted would read as "no such row". Hibernate's own load access reports the failure instead, with
 * the driver's exception, and so its SQLState, as the cause.
 */
final class EntityLocks {
    private EntityLocks() {}

    /** The entity locked {@code FOR NO KEY UPDATE} (Hibernate's PESSIMISTIC_WRITE on PostgreSQL), or null if absent. */
    public static <T> T findForUpdate(EntityManager em, Class<T> type, Object id) {
        return em.unwrap(Session.class)
                .byId(type)
                .with(LockMode.PESSIMISTIC_WRITE)
                .load(id);
    }
}
