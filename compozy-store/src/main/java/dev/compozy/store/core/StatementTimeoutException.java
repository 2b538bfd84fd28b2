package dev.compozy.store.core;

/** A statement exceeded {@code statement_timeout} or was cancelled (SQLState 57014). */
public class StatementTimeoutException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StatementTimeoutException(String operation, String message, Throwable cause) {
        super(operation, message, cause);
    }
}
