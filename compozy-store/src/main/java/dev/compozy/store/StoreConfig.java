package dev.compozy.store;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.core.Tx;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;

/**
 * Connection and pool settings of a {@link Store}, immutable. Build one with {@link #builder()}, or read
 * one from environment variables ({@link #fromEnvironment()}) or properties ({@link #fromProperties}).
 *
 * <p>A connection string ({@code postgres://…}, {@code postgresql://…} read as libpq reads it, or
 * {@code jdbc:postgresql:…} read by pgjdbc) wins over the builder for every setting it names, and the
 * builder's value applies to every setting it does not name. {@link #toBuilder()} carries every setting
 * as a builder value, so what is set on it afterwards applies.
 *
 * <p>Driver parameters that would make the driver load a class, use a file or replace a TLS check are
 * refused from a connection string; {@link Builder#driverParameter} sets them in code. The password and
 * the TLS key password never appear in {@link #toString()}, in {@link #jdbcUrl()}, in an exception or in
 * a log line of the store.
 */
public final class StoreConfig {
    /** Environment variables read by {@link #fromEnvironment()}; property keys are {@code compozy.db.*}. */
    public static final String ENV_PREFIX = "COMPOZY_DB_";

    public static final String PROPERTY_PREFIX = "compozy.db.";

    /** The store's default bound on lock waits: shorter than the default wait for a pooled connection. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(3);

    /** Resolved values; immutable because this class changes them nowhere and hands them to no one. */
    private final ConfigValues values;

    private StoreConfig(ConfigValues resolved) {
        this.values = resolved;
    }

    public static Builder builder() {
        return new Builder(new ConfigValues());
    }

    /** A builder holding every setting of this one; what is set on it afterwards applies. */
    public Builder toBuilder() {
        return new Builder(values.toBuilder());
    }

    /** Reads the {@code COMPOZY_DB_*} environment variables; unset ones keep their defaults. */
    public static StoreConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads {@code COMPOZY_DB_*} entries of the given map (for tests and custom environments). */
    public static StoreConfig fromEnvironment(Map<String, String> environment) {
        return ConfigSource.environment(environment).read();
    }

    /** Reads the {@code compozy.db.*} entries of the given properties; absent ones keep their defaults. */
    public static StoreConfig fromProperties(Properties properties) {
        return ConfigSource.properties(properties).read();
    }

    /** Reads the {@code compozy.db.*} entries of a properties file. */
    public static StoreConfig fromProperties(Path file) {
        return ConfigSource.file(file).read();
    }

    /**
     * The settings as a JDBC URL, for logs: hosts, database, sslmode and the driver parameters. User,
     * password and TLS key password never appear in it, and factory arguments set in code are masked.
     */
    public String jdbcUrl() {
        StringJoiner query = new StringJoiner("&", "?", "");
        query.add("sslmode=" + values.sslMode);
        values.parameters.forEach(
                (k, v) -> query.add(encode(k) + "=" + (DriverParameters.MASKED.contains(k) ? "****" : encode(v))));
        if (values.schema != null) {
            query.add("currentSchema=" + values.schema);
        }
        return connectUrl() + query;
    }

    /** The URL the driver is given: hosts and database only; everything else travels as properties. */
    String connectUrl() {
        return "jdbc:postgresql://" + String.join(",", hosts()) + "/" + encode(values.dbName);
    }

    /** The first host (of {@link #hosts()}), IPv6 without brackets. */
    public String host() {
        return values.hosts.get(0);
    }

    /** The port of the first host. */
    public int port() {
        return values.ports.get(0);
    }

    /** Every {@code host:port} in the order the driver tries them; IPv6 addresses in brackets. */
    public List<String> hosts() {
        List<String> addresses = new ArrayList<>(values.hosts.size());
        for (int i = 0; i < values.hosts.size(); i++) {
            String host = values.hosts.get(i);
            addresses.add((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + values.ports.get(i));
        }
        return List.copyOf(addresses);
    }

    public String user() {
        return values.user;
    }

    /** The password; kept out of every string this class produces. */
    public String password() {
        return values.password;
    }

    public String dbName() {
        return values.dbName;
    }

    public String sslMode() {
        return values.sslMode;
    }

    /** The password of the TLS client key ({@code sslpassword}), or null; kept out of every string. */
    public String sslPassword() {
        return values.sslPassword;
    }

    /** Driver parameters (pgjdbc names) other than those with settings of their own. */
    public Map<String, String> parameters() {
        return values.parameters;
    }

    /** What a connection string's {@code options} carried besides the three timeouts, or null. */
    public String serverOptions() {
        return values.serverOptions;
    }

    public int maxPoolSize() {
        return values.maxPoolSize;
    }

    public int minIdle() {
        return values.minIdle;
    }

    public Duration healthCheckPeriod() {
        return values.healthCheckPeriod;
    }

    public Duration connectTimeout() {
        return values.connectTimeout;
    }

    public boolean autoMigrate() {
        return values.autoMigrate;
    }

    /** The indexes {@code autoMigrate} builds; {@link IndexProfile#DEFAULT} unless set. */
    public IndexProfile indexProfile() {
        return values.indexProfile;
    }

    /** The deepest level {@code getTaskTree} descends to below the root. */
    public int treeDepthLimit() {
        return values.treeDepthLimit;
    }

    /** Bound on every lock wait of the store's connections; zero for none, null for the server's setting. */
    public Duration lockTimeout() {
        return values.lockTimeout;
    }

    /** Bound on every statement of the store's connections; zero for none, null for the server's setting. */
    public Duration statementTimeout() {
        return values.statementTimeout;
    }

    /** Bound on a session idling inside a transaction; zero for none, null for the server's setting. */
    public Duration idleInTransactionTimeout() {
        return values.idleInTransactionTimeout;
    }

    /** The {@code application_name} of the store's sessions, as {@code pg_stat_activity} shows them. */
    public String applicationName() {
        return values.applicationName;
    }

    /**
     * The tenant schema: every connection's {@code search_path}, the schema the migration creates and
     * applies the changelog in (its DATABASECHANGELOG tables included), and Hibernate's default schema;
     * null for the server's {@code search_path}.
     */
    public String schema() {
        return values.schema;
    }

    @Override
    public String toString() {
        ConfigValues v = values;
        return "StoreConfig{url=" + jdbcUrl() + ", user=" + v.user + ", password=" + mask(v.password)
                + ", sslPassword=" + mask(v.sslPassword) + ", applicationName=" + v.applicationName
                + ", serverOptions=" + v.serverOptions + ", maxPoolSize=" + v.maxPoolSize + ", minIdle=" + v.minIdle
                + ", healthCheckPeriod=" + v.healthCheckPeriod + ", connectTimeout=" + v.connectTimeout
                + ", autoMigrate=" + v.autoMigrate + ", indexProfile=" + v.indexProfile + ", treeDepthLimit="
                + v.treeDepthLimit
                + ", lockTimeout=" + v.lockTimeout + ", statementTimeout=" + v.statementTimeout
                + ", idleInTransactionTimeout=" + v.idleInTransactionTimeout + ", schema=" + v.schema + "}";
    }

    private static String mask(String secret) {
        return secret == null || secret.isEmpty() ? "(none)" : "****";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Defaults are the seed's (localhost:5432, user and database postgres, no password, sslmode disable)
     * and a 3 s lock timeout.
     */
    public static final class Builder {
        private final ConfigValues values;

        private Builder(ConfigValues values) {
            this.values = values;
        }

        /** A full connection string; what it names wins over the builder's values. */
        public Builder connString(String connString) {
            values.connString = connString;
            return this;
        }

        /** A host, or several separated by commas (tried in order, as libpq's {@code host}). */
        public Builder host(String host) {
            values.hosts = host == null ? List.of("") : List.of(host.split(",", -1));
            values.ports = null;
            return this;
        }

        /** The port of every host. */
        public Builder port(int port) {
            values.port = port;
            values.ports = null;
            return this;
        }

        public Builder user(String user) {
            values.user = user;
            return this;
        }

        public Builder password(String password) {
            values.password = password == null ? "" : password;
            return this;
        }

        public Builder dbName(String dbName) {
            values.dbName = dbName;
            return this;
        }

        /** One of {@code disable, allow, prefer, require, verify-ca, verify-full}. */
        public Builder sslMode(String sslMode) {
            values.sslMode = sslMode == null ? null : sslMode.toLowerCase(Locale.ROOT);
            return this;
        }

        /** The password of the TLS client key ({@code sslkey}); null for none. */
        public Builder sslPassword(String sslPassword) {
            values.sslPassword = sslPassword;
            return this;
        }

        /**
         * Sets a pgjdbc driver parameter in code (null removes it). Unlike a connection string, code may set
         * the parameters that load classes or replace TLS checks ({@code socketFactory}, {@code sslfactory},
         * …): the application opts in by writing it.
         *
         * @throws IllegalArgumentException for a name the driver does not know, or one that has a builder
         *     method of its own (user, password, sslpassword, sslmode, options, timeouts, application name)
         */
        public Builder driverParameter(String name, String value) {
            if (name == null || !DriverParameters.isDriverParameter(name)) {
                throw new IllegalArgumentException("driverParameter: not a PostgreSQL JDBC driver parameter");
            }
            if (DriverParameters.OWNED.contains(name)) {
                throw new IllegalArgumentException("driverParameter: '" + name + "' has a builder method of its own");
            }
            if (value == null) {
                values.parameters.remove(name);
            } else {
                values.parameters.put(name, value);
            }
            return this;
        }

        public Builder maxPoolSize(int maxPoolSize) {
            values.maxPoolSize = maxPoolSize;
            return this;
        }

        public Builder minIdle(int minIdle) {
            values.minIdle = minIdle;
            return this;
        }

        /** How often idle connections are checked (the pool's keepalive); at least 30 s. */
        public Builder healthCheckPeriod(Duration healthCheckPeriod) {
            values.healthCheckPeriod = healthCheckPeriod;
            return this;
        }

        /** Bound on opening a connection (and so on {@link Store#open}) and on waiting for one from the pool. */
        public Builder connectTimeout(Duration connectTimeout) {
            values.connectTimeout = connectTimeout;
            return this;
        }

        /** Apply the Liquibase changelog when the store opens. */
        public Builder autoMigrate(boolean autoMigrate) {
            values.autoMigrate = autoMigrate;
            return this;
        }

        /** The indexes {@code autoMigrate} builds: the Go store's (default) or the lean profile's. */
        public Builder indexProfile(IndexProfile indexProfile) {
            values.indexProfile = indexProfile;
            return this;
        }

        public Builder treeDepthLimit(int treeDepthLimit) {
            values.treeDepthLimit = treeDepthLimit;
            return this;
        }

        /**
         * Bounds every lock wait on the store's own pool ({@code lock_timeout}); a longer wait fails with
         * {@link LockTimeoutException}. Default 3 s ({@link StoreConfig#DEFAULT_LOCK_TIMEOUT}), so that threads waiting
         * for a row another transaction holds give their connections back before other work waiting for a
         * connection gives up; {@link Duration#ZERO} for no limit, null for the server's setting. Per
         * transaction: {@link Tx#setLockTimeout}.
         */
        public Builder lockTimeout(Duration lockTimeout) {
            values.lockTimeout = lockTimeout;
            return this;
        }

        /**
         * Bounds every statement on the store's own pool ({@code statement_timeout}); a longer one fails with
         * {@link StatementTimeoutException}. Null keeps the server's setting. Per transaction:
         * {@link Tx#setStatementTimeout}.
         */
        public Builder statementTimeout(Duration statementTimeout) {
            values.statementTimeout = statementTimeout;
            return this;
        }

        /**
         * Ends a session of the store's pool that stays idle inside an open transaction for longer
         * ({@code idle_in_transaction_session_timeout}), releasing the locks it holds. Null (the default)
         * keeps the server's setting.
         */
        public Builder idleInTransactionTimeout(Duration idleInTransactionTimeout) {
            values.idleInTransactionTimeout = idleInTransactionTimeout;
            return this;
        }

        /** How the store's sessions appear in {@code pg_stat_activity}; default {@code compozy-store}. */
        public Builder applicationName(String applicationName) {
            values.applicationName = applicationName;
            return this;
        }

        /** The tenant schema ({@link StoreConfig#schema()}); a URL's {@code currentSchema} wins. Null for none. */
        public Builder schema(String schema) {
            values.schema = schema;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field, never quoting a secret */
        public StoreConfig build() {
            return new StoreConfig(values.resolve());
        }
    }
}
