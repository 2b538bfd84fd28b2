package dev.compozy.store;

import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * The store's part in the application's logging: Hibernate (JBoss Logging, through
 * {@link JbossLoggingProvider}) and Liquibase (through {@link LiquibaseLogService}) log to SLF4J, and the
 * store's own bootstrap says what it did in one line of its own.
 */
final class Logging {
    private static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Logging() {}

    /**
     * Runs {@code work} with the INFO messages this thread's Hibernate logs turned into DEBUG: the store's
     * bootstrap reports itself in one line, and Hibernate's account of it (version, dialect, batching) stays
     * one level below. Warnings and errors are left as they are.
     */
    public static <T> T quietly(Supplier<T> work) {
        QUIET.set(Boolean.TRUE);
        try {
            return work.get();
        } finally {
            QUIET.remove();
        }
    }

    static Logger.Level level(Logger.Level level) {
        return level == Logger.Level.INFO && QUIET.get() ? Logger.Level.DEBUG : level;
    }

    /** Whether an SLF4J provider is bound; without one, SLF4J drops everything. */
    static boolean slf4jBound() {
        return !(LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory);
    }
}
