package dev.compozy.store;

import dev.compozy.store.core.StatementTimeoutException;
import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.Tx;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

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
    static final String DEFAULT_APPLICATION_NAME = "compozy-store";

    static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*)");
    private static final Pattern IP_V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
    /** An unquoted PostgreSQL identifier that needs no quoting anywhere: search_path, Liquibase, Hibernate. */
    private static final Pattern SCHEMA_NAME = Pattern.compile("(?!pg_)[a-z_][a-z0-9_]{0,62}");

    private final List<String> hosts;
    private final List<Integer> ports;
    private final String user;
    private final String password;
    private final String dbName;
    private final String sslMode;
    private final String sslPassword;
    private final Map<String, String> parameters;
    private final String serverOptions;
    private final int maxPoolSize;
    private final int minIdle;
    private final Duration healthCheckPeriod;
    private final Duration connectTimeout;
    private final boolean autoMigrate;
    private final IndexProfile indexProfile;
    private final int treeDepthLimit;
    private final Duration lockTimeout;
    private final Duration statementTimeout;
    private final Duration idleInTransactionTimeout;
    private final String applicationName;
    private final String schema;

    private StoreConfig(Builder b) {
        ConnectionUrl url = b.connString == null ? null : ConnectionUrl.parse(b.connString);
        boolean urlHosts = url != null && !url.hosts.isEmpty();
        this.hosts = List.copyOf(urlHosts ? url.hosts : b.hosts);
        this.ports = resolvePorts(url == null ? List.of() : url.ports, urlHosts ? null : b.ports, b.port);
        this.user = url != null && url.user != null ? url.user : b.user;
        this.password = url != null && url.password != null ? url.password : b.password;
        this.dbName = url != null && url.dbName != null ? url.dbName : b.dbName;
        this.sslMode = url != null && url.sslMode != null ? url.sslMode : b.sslMode;
        this.sslPassword = url != null && url.sslPassword != null ? url.sslPassword : b.sslPassword;
        Map<String, String> merged = new LinkedHashMap<>(b.parameters);
        if (url != null) {
            merged.putAll(url.parameters);
        }
        this.parameters = Collections.unmodifiableMap(merged);
        this.serverOptions = url != null && url.serverOptions != null ? url.serverOptions : b.serverOptions;
        this.maxPoolSize = url != null && url.maxPoolSize != null ? url.maxPoolSize : b.maxPoolSize;
        this.minIdle = url != null && url.minIdle != null ? url.minIdle : b.minIdle;
        this.healthCheckPeriod = url != null && url.healthCheckPeriod != null ? url.healthCheckPeriod : b.healthCheckPeriod;
        this.connectTimeout = url != null && url.connectTimeout != null ? url.connectTimeout : b.connectTimeout;
        this.autoMigrate = b.autoMigrate;
        this.indexProfile = b.indexProfile;
        this.treeDepthLimit = b.treeDepthLimit;
        this.lockTimeout = url != null && url.lockTimeout != null ? url.lockTimeout : b.lockTimeout;
        this.statementTimeout = url != null && url.statementTimeout != null ? url.statementTimeout : b.statementTimeout;
        this.idleInTransactionTimeout = url != null && url.idleInTransactionTimeout != null
                ? url.idleInTransactionTimeout : b.idleInTransactionTimeout;
        this.applicationName = url != null && url.applicationName != null ? url.applicationName
                : b.applicationName != null ? b.applicationName
                : url != null && url.fallbackApplicationName != null ? url.fallbackApplicationName
                : DEFAULT_APPLICATION_NAME;
        this.schema = url != null && url.schema != null ? url.schema : b.schema;
        validate();
    }

    /**
     * One port for every host, as libpq pairs them: the URL's list (one port for all hosts, or one per
     * host), else the builder's, with the builder's port wherever a host names none.
     */
    private List<Integer> resolvePorts(List<Integer> named, List<Integer> builderPorts, int defaultPort) {
        List<Integer> source = !named.isEmpty() ? named : builderPorts != null ? builderPorts : List.of();
        if (source.size() > 1 && source.size() != hosts.size()) {
            throw new IllegalArgumentException("connString: " + source.size() + " ports for " + hosts.size() + " hosts");
        }
        List<Integer> resolved = new ArrayList<>(hosts.size());
        for (int i = 0; i < hosts.size(); i++) {
            Integer port = source.isEmpty() ? null : source.get(source.size() == 1 ? 0 : i);
            resolved.add(port == null ? defaultPort : port);
        }
        return List.copyOf(resolved);
    }

    private void validate() {
        require(!hosts.isEmpty() && hosts.stream().noneMatch(String::isBlank), "host: must not be blank");
        require(hosts.stream().allMatch(StoreConfig::isHostName), "host: not a host name or an IP address");
        for (int port : ports) {
            require(port > 0 && port < 65536, "port: must be between 1 and 65535, got " + port);
        }
        require(user != null && !user.isBlank(), "user: must not be blank");
        require(dbName != null && !dbName.isBlank(), "dbName: must not be blank");
        require(SSL_MODES.contains(sslMode), "sslMode: not one of " + SSL_MODES);
        require(maxPoolSize >= 1, "maxPoolSize: must be at least 1, got " + maxPoolSize);
        require(minIdle >= 0 && minIdle <= maxPoolSize, "minIdle: must be between 0 and maxPoolSize, got " + minIdle);
        require(healthCheckPeriod != null && healthCheckPeriod.toMillis() >= 30_000,
                "healthCheckPeriod: must be at least 30 s (the pool's minimum keepalive), got " + healthCheckPeriod);
        require(connectTimeout != null && connectTimeout.toMillis() >= 250,
                "connectTimeout: must be at least 250 ms, got " + connectTimeout);
        require(indexProfile != null, "indexProfile: must not be null");
        require(treeDepthLimit >= 1, "treeDepthLimit: must be at least 1, got " + treeDepthLimit);
        require(applicationName != null && !applicationName.isBlank(), "applicationName: must not be blank");
        require(lockTimeout == null || !lockTimeout.isNegative(), "lockTimeout: must not be negative");
        require(statementTimeout == null || !statementTimeout.isNegative(), "statementTimeout: must not be negative");
        require(idleInTransactionTimeout == null || !idleInTransactionTimeout.isNegative(),
                "idleInTransactionTimeout: must not be negative");
        if (schema != null) {
            requireSchemaName(schema);
        }
    }

    /** @throws IllegalArgumentException unless the name is a schema name the store accepts (it is quoted nowhere) */
    static void requireSchemaName(String schema) {
        require(schema != null && SCHEMA_NAME.matcher(schema).matches(), "schema: '" + schema + "' is not a lower-case "
                + "identifier ([a-z_][a-z0-9_]*, at most 63 characters, not starting with pg_)");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A DNS name, an IPv4 address, or an IPv6 address without brackets (scope included). */
    static boolean isHostName(String host) {
        return host != null && (HOST_NAME.matcher(host).matches() || IP_V6.matcher(host).matches());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this one; what is set on it afterwards applies. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.hosts = hosts;
        b.port = ports.get(0);
        b.ports = ports.stream().distinct().count() == 1 ? null : ports;
        b.user = user;
        b.password = password;
        b.dbName = dbName;
        b.sslMode = sslMode;
        b.sslPassword = sslPassword;
        b.parameters.putAll(parameters);
        b.serverOptions = serverOptions;
        b.maxPoolSize = maxPoolSize;
        b.minIdle = minIdle;
        b.healthCheckPeriod = healthCheckPeriod;
        b.connectTimeout = connectTimeout;
        b.autoMigrate = autoMigrate;
        b.indexProfile = indexProfile;
        b.treeDepthLimit = treeDepthLimit;
        b.lockTimeout = lockTimeout;
        b.statementTimeout = statementTimeout;
        b.idleInTransactionTimeout = idleInTransactionTimeout;
        b.applicationName = applicationName;
        b.schema = schema;
        return b;
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
        query.add("sslmode=" + sslMode);
        parameters.forEach((k, v) -> query.add(encode(k) + "=" + (DriverParameters.MASKED.contains(k) ? "****" : encode(v))));
        if (schema != null) {
            query.add("currentSchema=" + schema);
        }
        return connectUrl() + query;
    }

    /** The URL the driver is given: hosts and database only; everything else travels as properties. */
    String connectUrl() {
        return "jdbc:postgresql://" + String.join(",", hosts()) + "/" + encode(dbName);
    }

    /** The first host (of {@link #hosts()}), IPv6 without brackets. */
    public String host() {
        return hosts.get(0);
    }

    /** The port of the first host. */
    public int port() {
        return ports.get(0);
    }

    /** Every {@code host:port} in the order the driver tries them; IPv6 addresses in brackets. */
    public List<String> hosts() {
        List<String> addresses = new ArrayList<>(hosts.size());
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            addresses.add((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + ports.get(i));
        }
        return List.copyOf(addresses);
    }

    public String user() {
        return user;
    }

    /** The password; kept out of every string this class produces. */
    public String password() {
        return password;
    }

    public String dbName() {
        return dbName;
    }

    public String sslMode() {
        return sslMode;
    }

    /** The password of the TLS client key ({@code sslpassword}), or null; kept out of every string. */
    public String sslPassword() {
        return sslPassword;
    }

    /** Driver parameters (pgjdbc names) other than those with settings of their own. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** What a connection string's {@code options} carried besides the three timeouts, or null. */
    public String serverOptions() {
        return serverOptions;
    }

    public int maxPoolSize() {
        return maxPoolSize;
    }

    public int minIdle() {
        return minIdle;
    }

    public Duration healthCheckPeriod() {
        return healthCheckPeriod;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public boolean autoMigrate() {
        return autoMigrate;
    }

    /** The indexes {@code autoMigrate} builds; {@link IndexProfile#DEFAULT} unless set. */
    public IndexProfile indexProfile() {
        return indexProfile;
    }

    /** The deepest level {@code getTaskTree} descends to below the root. */
    public int treeDepthLimit() {
        return treeDepthLimit;
    }

    /** Bound on every lock wait of the store's connections; zero for none, null for the server's setting. */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** Bound on every statement of the store's connections; zero for none, null for the server's setting. */
    public Duration statementTimeout() {
        return statementTimeout;
    }

    /** Bound on a session idling inside a transaction; zero for none, null for the server's setting. */
    public Duration idleInTransactionTimeout() {
        return idleInTransactionTimeout;
    }

    /** The {@code application_name} of the store's sessions, as {@code pg_stat_activity} shows them. */
    public String applicationName() {
        return applicationName;
    }

    /**
     * The tenant schema: every connection's {@code search_path}, the schema the migration creates and
     * applies the changelog in (its DATABASECHANGELOG tables included), and Hibernate's default schema;
     * null for the server's {@code search_path}.
     */
    public String schema() {
        return schema;
    }

    @Override
    public String toString() {
        return "StoreConfig{url=" + jdbcUrl() + ", user=" + user + ", password=" + mask(password)
                + ", sslPassword=" + mask(sslPassword) + ", applicationName=" + applicationName
                + ", serverOptions=" + serverOptions + ", maxPoolSize=" + maxPoolSize + ", minIdle=" + minIdle
                + ", healthCheckPeriod=" + healthCheckPeriod + ", connectTimeout=" + connectTimeout
                + ", autoMigrate=" + autoMigrate + ", indexProfile=" + indexProfile + ", treeDepthLimit=" + treeDepthLimit
                + ", lockTimeout=" + lockTimeout + ", statementTimeout=" + statementTimeout
                + ", idleInTransactionTimeout=" + idleInTransactionTimeout + ", schema=" + schema + "}";
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
        private String connString;
        private List<String> hosts = List.of("localhost");
        private List<Integer> ports;
        private int port = 5432;
        private String user = "postgres";
        private String password = "";
        private String dbName = "postgres";
        private String sslMode = "disable";
        private String sslPassword;
        private final Map<String, String> parameters = new LinkedHashMap<>();
        private String serverOptions;
        private int maxPoolSize = 20;
        private int minIdle = 2;
        private Duration healthCheckPeriod = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private boolean autoMigrate;
        private IndexProfile indexProfile = IndexProfile.DEFAULT;
        private int treeDepthLimit = 100;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
        private Duration statementTimeout;
        private Duration idleInTransactionTimeout;
        private String applicationName;
        private String schema;

        private Builder() {
        }

        /** A full connection string; what it names wins over the builder's values. */
        public Builder connString(String connString) {
            this.connString = connString;
            return this;
        }

        /** A host, or several separated by commas (tried in order, as libpq's {@code host}). */
        public Builder host(String host) {
            this.hosts = host == null ? List.of("") : List.of(host.split(",", -1));
            this.ports = null;
            return this;
        }

        /** The port of every host. */
        public Builder port(int port) {
            this.port = port;
            this.ports = null;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            this.password = password == null ? "" : password;
            return this;
        }

        public Builder dbName(String dbName) {
            this.dbName = dbName;
            return this;
        }

        /** One of {@code disable, allow, prefer, require, verify-ca, verify-full}. */
        public Builder sslMode(String sslMode) {
            this.sslMode = sslMode == null ? null : sslMode.toLowerCase(Locale.ROOT);
            return this;
        }

        /** The password of the TLS client key ({@code sslkey}); null for none. */
        public Builder sslPassword(String sslPassword) {
            this.sslPassword = sslPassword;
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
                parameters.remove(name);
            } else {
                parameters.put(name, value);
            }
            return this;
        }

        public Builder maxPoolSize(int maxPoolSize) {
            this.maxPoolSize = maxPoolSize;
            return this;
        }

        public Builder minIdle(int minIdle) {
            this.minIdle = minIdle;
            return this;
        }

        /** How often idle connections are checked (the pool's keepalive); at least 30 s. */
        public Builder healthCheckPeriod(Duration healthCheckPeriod) {
            this.healthCheckPeriod = healthCheckPeriod;
            return this;
        }

        /** Bound on opening a connection (and so on {@link Store#open}) and on waiting for one from the pool. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Apply the Liquibase changelog when the store opens. */
        public Builder autoMigrate(boolean autoMigrate) {
            this.autoMigrate = autoMigrate;
            return this;
        }

        /** The indexes {@code autoMigrate} builds: the Go store's (default) or the lean profile's. */
        public Builder indexProfile(IndexProfile indexProfile) {
            this.indexProfile = indexProfile;
            return this;
        }

        public Builder treeDepthLimit(int treeDepthLimit) {
            this.treeDepthLimit = treeDepthLimit;
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
            this.lockTimeout = lockTimeout;
            return this;
        }

        /**
         * Bounds every statement on the store's own pool ({@code statement_timeout}); a longer one fails with
         * {@link StatementTimeoutException}. Null keeps the server's setting. Per transaction:
         * {@link Tx#setStatementTimeout}.
         */
        public Builder statementTimeout(Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
            return this;
        }

        /**
         * Ends a session of the store's pool that stays idle inside an open transaction for longer
         * ({@code idle_in_transaction_session_timeout}), releasing the locks it holds. Null (the default)
         * keeps the server's setting.
         */
        public Builder idleInTransactionTimeout(Duration idleInTransactionTimeout) {
            this.idleInTransactionTimeout = idleInTransactionTimeout;
            return this;
        }

        /** How the store's sessions appear in {@code pg_stat_activity}; default {@code compozy-store}. */
        public Builder applicationName(String applicationName) {
            this.applicationName = applicationName;
            return this;
        }

        /** The tenant schema ({@link StoreConfig#schema()}); a URL's {@code currentSchema} wins. Null for none. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field, never quoting a secret */
        public StoreConfig build() {
            return new StoreConfig(this);
        }
    }
}
