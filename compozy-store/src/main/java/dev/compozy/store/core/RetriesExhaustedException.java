package dev.compozy.store.core;

/** A transaction failed transiently on every attempt its {@link RetryPolicy} allowed; the cause is the last failure. */
public class RetriesExhaustedException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final int attempts;

    public RetriesExhaustedException(int attempts, TransientStoreException last) {
        super(last.operation(), "gave up after " + attempts + " attempts: " + last.getMessage(), last);
        this.attempts = attempts;
    }

    public int attempts() {
        return attempts;
    }
}
