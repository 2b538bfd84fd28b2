package dev.compozy.store.core;

/** A lock wait exceeded {@code lock_timeout} (SQLState 55P03); the transaction has been rolled back. */
public class LockTimeoutException extends StoreException {
    private static final long serialVersionUID = 1L;

    public LockTimeoutException(String operation, String message, Throwable cause) {
        super(operation, message, cause);
    }
}
