package dev.compozy.store.core;

/**
 * A failure that a retry of the whole transaction can cure: PostgreSQL broke a deadlock (SQLState
 * 40P01) or could not serialise concurrent transactions (40001). See {@link RetryPolicy}.
 */
public class TransientStoreException extends StoreException {
    private static final long serialVersionUID = 1L;

    public TransientStoreException(String operation, String message, Throwable cause) {
        super(operation, message, cause);
    }

    /** Whether PostgreSQL reported a deadlock (as opposed to a serialization failure). */
    public boolean isDeadlock() {
        return "40P01".equals(sqlState());
    }
}
