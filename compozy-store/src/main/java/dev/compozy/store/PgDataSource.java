package dev.compozy.store;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.Driver;

/**
 * The store pool's connections, straight from pgjdbc's driver: the URL it is given names hosts and
 * database only, and everything else travels as properties. The driver logs the URL it connects with
 * and the pool logs its configuration, so neither is allowed to hold a secret; this data source is what
 * the pool prints for it ({@link #toString()}: {@link StoreConfig#jdbcUrl()}).
 */
final class PgDataSource implements DataSource {
    private final Driver driver = new Driver();
    private final String url;
    private final String display;
    private final Properties properties = new Properties();

    PgDataSource(StoreConfig config) {
        this.url = config.connectUrl();
        this.display = config.jdbcUrl();
        // Batched upserts become multi-row statements (createChildStatesInTransaction); the URL may say otherwise.
        properties.setProperty("reWriteBatchedInserts", "true");
        properties.putAll(config.parameters());
        properties.setProperty("user", config.user());
        if (!config.password().isEmpty()) {
            properties.setProperty("password", config.password());
        }
        if (config.sslPassword() != null) {
            properties.setProperty("sslpassword", config.sslPassword());
        }
        properties.setProperty("sslmode", config.sslMode());
        properties.setProperty("ApplicationName", config.applicationName());
        if (config.schema() != null) {
            // Sent as the search_path of the startup packet: a connection belongs to its tenant from its login on,
            // with no statement to run per checkout and nothing for the pool to reset.
            properties.setProperty("currentSchema", config.schema());
        }
        // loginTimeout bounds the whole connection attempt and takes fractions of a second;
        // connectTimeout (the TCP handshake alone) takes whole seconds only.
        properties.setProperty("loginTimeout", seconds(config.connectTimeout()));
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, ceilSeconds(config.connectTimeout()))));
        String options = sessionOptions(config);
        if (!options.isEmpty()) {
            properties.setProperty("options", options);
        }
    }

    /** Server settings for every session of the pool, sent at connection start (no extra round trip). */
    private static String sessionOptions(StoreConfig config) {
        StringBuilder options = new StringBuilder();
        if (config.serverOptions() != null) {
            options.append(config.serverOptions());
        }
        setting(options, DriverParameters.LOCK_TIMEOUT, config.lockTimeout());
        setting(options, DriverParameters.STATEMENT_TIMEOUT, config.statementTimeout());
        setting(options, DriverParameters.IDLE_IN_TRANSACTION_TIMEOUT, config.idleInTransactionTimeout());
        return options.toString();
    }

    private static void setting(StringBuilder options, String name, Duration value) {
        if (value != null) {
            options.append(options.isEmpty() ? "" : " ")
                    .append("-c ")
                    .append(name)
                    .append('=')
                    .append(value.toMillis())
                    .append("ms");
        }
    }

    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).toPlainString();
    }

    private static long ceilSeconds(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }

    /** A driver property as the store sets it; for tests. */
    String property(String name) {
        return properties.getProperty(name);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Properties copy = new Properties();
        copy.putAll(properties);
        Connection connection = driver.connect(url, copy);
        if (connection == null) {
            throw new SQLException("the PostgreSQL JDBC driver does not accept the store's URL", "08001");
        }
        return connection;
    }

    /**
     * A connection by {@code deadline} ({@link System#nanoTime()}), or an SQLException (08001) at it. The
     * driver's own timer starts only once it has loaded and parsed what it needs, which on a cold JVM takes
     * a sizeable part of a sub-second timeout; this one runs from the caller's start.
     */
    Connection connect(long deadline) throws SQLException {
        CompletableFuture<Connection> attempt = new CompletableFuture<>();
        Thread connecting = new Thread(
                () -> {
                    try {
                        attempt.complete(getConnection());
                    } catch (SQLException | RuntimeException e) {
                        attempt.completeExceptionally(e);
                    }
                },
                "compozy-store-connect");
        connecting.setDaemon(true);
        connecting.start();
        try {
            return attempt.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // A connection that still arrives later is closed, not leaked.
            attempt.thenAccept(PgDataSource::closeQuietly);
            throw new SQLException("connection attempt timed out: the server accepted no login in time", "08001", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLException(e.getCause().getMessage(), "08001", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while connecting", "08001", e);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // The connection was never used; there is nothing to report about failing to close it.
        }
    }

    /** The store's credentials are part of its configuration; the pool never passes others. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the store's data source takes its credentials from StoreConfig");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // The driver logs through java.util.logging.
    }

    /** The driver's loginTimeout property (in fractions of a second) bounds connecting; this one is unused. */
    @Override
    public void setLoginTimeout(int seconds) {}

    /**
     * Zero, so that closing the pool does not wait for a connection attempt still hanging on a silent
     * server (the pool waits this long for its connection-adding thread).
     */
    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger("org.postgresql");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper for " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }

    @Override
    public String toString() {
        return display;
    }
}
