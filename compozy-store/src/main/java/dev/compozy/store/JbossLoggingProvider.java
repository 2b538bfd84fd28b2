package dev.compozy.store;

import java.util.Map;
import java.util.logging.LogManager;
import org.jboss.logging.JBossLogManagerProvider;
import org.jboss.logging.JDKLoggerProvider;
import org.jboss.logging.Log4j2LoggerProvider;
import org.jboss.logging.Logger;
import org.jboss.logging.LoggerProvider;
import org.jboss.logging.Slf4jLoggerProvider;

/**
 * JBoss Logging's provider when the store's jar is on the class path (META-INF/services), unless the
 * application chose one with the system property {@code org.jboss.logging.provider}. Not for your code:
 * it is public only because {@link java.util.ServiceLoader} loads nothing else from the class path.
 *
 * <p>JBoss Logging picks SLF4J on its own only when Logback is there; with any other SLF4J binding it
 * falls back to java.util.logging, so Hibernate's lines went to a second log in another format. This
 * provider sends them to SLF4J whenever a binding is present, and when none is (SLF4J would drop them)
 * where JBoss Logging would have sent them on its own: JBoss LogManager when it is the JDK's log manager,
 * else Log4j 2 when its API is there, else java.util.logging. JBoss Logging offers no narrower scope than
 * the class loader: its provider is chosen once, for every user of it that shares the class loader.
 */
public final class JbossLoggingProvider implements LoggerProvider {
    private final LoggerProvider target = chooseTarget();

    private static LoggerProvider chooseTarget() {
        if (Logging.slf4jBound()) {
            return new Slf4jLoggerProvider();
        }
        if (LogManager.getLogManager().getClass().getName().equals("org.jboss.logmanager.LogManager")) {
            return new JBossLogManagerProvider();
        }
        if (present("org.apache.logging.log4j.LogManager") && present("org.apache.logging.log4j.spi.AbstractLogger")) {
            return new Log4j2LoggerProvider();
        }
        return new JDKLoggerProvider();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, JbossLoggingProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public Logger getLogger(String name) {
        return new QuietableLogger(name, target.getLogger(name));
    }

    /** Passes every message on, with the level {@link Logging#level} gives it on the logging thread. */
    private static final class QuietableLogger extends Logger {
        private static final long serialVersionUID = 1L;
        private final transient Logger target;

        QuietableLogger(String name, Logger target) {
            super(name);
            this.target = target;
        }

        @Override
        public boolean isEnabled(Level level) {
            return target.isEnabled(Logging.level(level));
        }

        @Override
        protected void doLog(
                Level level, String loggerClassName, Object message, Object[] parameters, Throwable thrown) {
            target.log(loggerClassName, Logging.level(level), message, parameters, thrown);
        }

        @Override
        protected void doLogf(
                Level level, String loggerClassName, String format, Object[] parameters, Throwable thrown) {
            target.logf(loggerClassName, Logging.level(level), thrown, format, parameters);
        }
    }

    @Override
    public void clearMdc() {
        target.clearMdc();
    }

    @Override
    public Object putMdc(String key, Object value) {
        return target.putMdc(key, value);
    }

    @Override
    public Object getMdc(String key) {
        return target.getMdc(key);
    }

    @Override
    public void removeMdc(String key) {
        target.removeMdc(key);
    }

    @Override
    public Map<String, Object> getMdcMap() {
        return target.getMdcMap();
    }

    @Override
    public void clearNdc() {
        target.clearNdc();
    }

    @Override
    public String getNdc() {
        return target.getNdc();
    }

    @Override
    public int getNdcDepth() {
        return target.getNdcDepth();
    }

    @Override
    public String popNdc() {
        return target.popNdc();
    }

    @Override
    public String peekNdc() {
        return target.peekNdc();
    }

    @Override
    public void pushNdc(String message) {
        target.pushNdc(message);
    }

    @Override
    public void setNdcMaxDepth(int maxDepth) {
        target.setNdcMaxDepth(maxDepth);
    }
}
