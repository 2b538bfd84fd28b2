package dev.compozy.store;

import java.util.logging.Level;
import liquibase.logging.core.AbstractLogService;
import liquibase.logging.core.AbstractLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liquibase's log service for the store's own migrations (set in their {@code liquibase.Scope}, so an
 * application's own Liquibase runs keep whatever they use): every message to SLF4J, under the name of
 * the Liquibase class that logs it. Without an SLF4J binding, Liquibase keeps its java.util.logging default.
 */
final class LiquibaseLogService extends AbstractLogService {

    /** This service when SLF4J is bound, else null: the scope then keeps Liquibase's default. */
    public static LiquibaseLogService ifSlf4jBound() {
        return Logging.slf4jBound() ? new LiquibaseLogService() : null;
    }

    @Override
    public int getPriority() {
        return PRIORITY_SPECIALIZED;
    }

    @Override
    public liquibase.logging.Logger getLog(Class clazz) {
        return new Slf4jLogger(LoggerFactory.getLogger(clazz));
    }

    private static final class Slf4jLogger extends AbstractLogger {
        private final Logger target;

        Slf4jLogger(Logger target) {
            this.target = target;
        }

        @Override
        public void log(Level level, String message, Throwable e) {
            int value = level.intValue();
            // Liquibase logs some messages at OFF when it means them to be dropped (its analytics' default).
            if (value == Level.OFF.intValue()) {
                return;
            }
            if (value >= Level.SEVERE.intValue()) {
                target.error(message, e);
            } else if (value >= Level.WARNING.intValue()) {
                target.warn(message, e);
            } else if (value >= Level.INFO.intValue()) {
                target.info(message, e);
            } else if (value >= Level.FINE.intValue()) {
                target.debug(message, e);
            } else {
                target.trace(message, e);
            }
        }
    }
}
