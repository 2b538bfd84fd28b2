package dev.compozy.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * Connection and pool settings of a {@link Store}, immutable. Build one with {@link #builder()}, or read
 * one from environment variables ({@link #fromEnvironment()}) or properties ({@link #fromProperties}).
 *
 * <p>A connection string ({@code jdbc:postgresql://…}, {@code postgres://…} or {@code postgresql://…})
 * overrides the individual fields it names. The password is kept out of {@link #toString()}, out of
 * {@link #jdbcUrl()} and out of every message the store produces.
 */
public final class StoreConfig {
    /** Environment variables read by {@link #fromEnvironment()}; property keys are {@code compozy.db.*}. */
    public static final String ENV_PREFIX = "COMPOZY_DB_";
    public static final String PROPERTY_PREFIX = "compozy.db.";

    static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String dbName;
    private final String sslMode;
    private final Map<String, String> parameters;
    private final int maxPoolSize;
    private final int minIdle;
    private final Duration healthCheckPeriod;
    private final Duration connectTimeout;
    private final boolean autoMigrate;
    private final int treeDepthLimit;
    private final Duration lockTimeout;
    private final Duration statementTimeout;
    private final String applicationName;

    private StoreConfig(Builder b) {
        ConnectionParts parts = b.connString == null ? null : ConnectionParts.parse(b.connString);
        this.host = parts != null && parts.host != null ? parts.host : b.host;
        this.port = parts != null && parts.port != null ? parts.port : b.port;
        this.user = parts != null && parts.user != null ? parts.user : b.user;
        this.password = parts != null && parts.password != null ? parts.password : b.password;
        this.dbName = parts != null && parts.dbName != null ? parts.dbName : b.dbName;
        this.sslMode = parts != null && parts.sslMode != null ? parts.sslMode : b.sslMode;
        this.parameters = parts == null ? Map.of() : Collections.unmodifiableMap(parts.parameters);
        this.maxPoolSize = b.maxPoolSize;
        this.minIdle = b.minIdle;
        this.healthCheckPeriod = b.healthCheckPeriod;
        this.connectTimeout = b.connectTimeout;
        this.autoMigrate = b.autoMigrate;
        this.treeDepthLimit = b.treeDepthLimit;
        this.lockTimeout = b.lockTimeout;
        this.statementTimeout = b.statementTimeout;
        this.applicationName = b.applicationName;
        validate();
    }

    private void validate() {
        require(host != null && !host.isBlank(), "host: must not be blank");
        require(port > 0 && port < 65536, "port: must be between 1 and 65535, got " + port);
        require(user != null && !user.isBlank(), "user: must not be blank");
        require(dbName != null && !dbName.isBlank(), "dbName: must not be blank");
        require(SSL_MODES.contains(sslMode), "sslMode: '" + sslMode + "' is not one of " + SSL_MODES);
        require(maxPoolSize >= 1, "maxPoolSize: must be at least 1, got " + maxPoolSize);
        require(minIdle >= 0 && minIdle <= maxPoolSize, "minIdle: must be between 0 and maxPoolSize, got " + minIdle);
        require(healthCheckPeriod != null && healthCheckPeriod.toMillis() >= 30_000,
                "healthCheckPeriod: must be at least 30 s (the pool's minimum keepalive), got " + healthCheckPeriod);
        require(connectTimeout != null && connectTimeout.toMillis() >= 250,
                "connectTimeout: must be at least 250 ms, got " + connectTimeout);
        require(treeDepthLimit >= 1, "treeDepthLimit: must be at least 1, got " + treeDepthLimit);
        require(applicationName != null && !applicationName.isBlank(), "applicationName: must not be blank");
        require(lockTimeout == null || !lockTimeout.isNegative(), "lockTimeout: must not be negative");
        require(statementTimeout == null || !statementTimeout.isNegative(), "statementTimeout: must not be negative");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.user = user;
        b.password = password;
        b.dbName = dbName;
        b.sslMode = sslMode;
        b.maxPoolSize = maxPoolSize;
        b.minIdle = minIdle;
        b.healthCheckPeriod = healthCheckPeriod;
        b.connectTimeout = connectTimeout;
        b.autoMigrate = autoMigrate;
        b.treeDepthLimit = treeDepthLimit;
        b.lockTimeout = lockTimeout;
        b.statementTimeout = statementTimeout;
        b.applicationName = applicationName;
        if (!parameters.isEmpty()) {
            b.connString = jdbcUrl();
        }
        return b;
    }

    /** Reads the {@code COMPOZY_DB_*} environment variables; unset ones keep their defaults. */
    public static StoreConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads {@code COMPOZY_DB_*} entries of the given map (for tests and custom environments). */
    public static StoreConfig fromEnvironment(Map<String, String> environment) {
        return from(key -> environment.get(ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_')
                .replace('-', '_')));
    }

    /** Reads the {@code compozy.db.*} entries of the given properties; absent ones keep their defaults. */
    public static StoreConfig fromProperties(Properties properties) {
        return from(key -> properties.getProperty(PROPERTY_PREFIX + key));
    }

    /** Reads the {@code compozy.db.*} entries of a properties file. */
    public static StoreConfig fromProperties(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read store properties from " + file + ": " + e.getMessage(), e);
        }
        return fromProperties(properties);
    }

    private static StoreConfig from(Function<String, String> lookup) {
        Builder b = builder();
        apply(lookup, "url", b::connString);
        apply(lookup, "host", b::host);
        apply(lookup, "port", v -> b.port(parseInt("port", v)));
        apply(lookup, "user", b::user);
        apply(lookup, "password", b::password);
        apply(lookup, "name", b::dbName);
        apply(lookup, "sslmode", b::sslMode);
        apply(lookup, "max-pool-size", v -> b.maxPoolSize(parseInt("max-pool-size", v)));
        apply(lookup, "min-idle", v -> b.minIdle(parseInt("min-idle", v)));
        apply(lookup, "health-check-period-ms", v -> b.healthCheckPeriod(Duration.ofMillis(parseInt("health-check-period-ms", v))));
        apply(lookup, "connect-timeout-ms", v -> b.connectTimeout(Duration.ofMillis(parseInt("connect-timeout-ms", v))));
        apply(lookup, "auto-migrate", v -> b.autoMigrate(Boolean.parseBoolean(v.trim())));
        apply(lookup, "tree-depth-limit", v -> b.treeDepthLimit(parseInt("tree-depth-limit", v)));
        apply(lookup, "application-name", b::applicationName);
        apply(lookup, "lock-timeout-ms", v -> b.lockTimeout(Duration.ofMillis(parseInt("lock-timeout-ms", v))));
        apply(lookup, "statement-timeout-ms", v -> b.statementTimeout(Duration.ofMillis(parseInt("statement-timeout-ms", v))));
        return b.build();
    }

    private static void apply(Function<String, String> lookup, String key, java.util.function.Consumer<String> setter) {
        String value = lookup.apply(key);
        if (value != null && !value.isBlank()) {
            setter.accept(value);
        }
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a whole number", e);
        }
    }

    /** The JDBC URL the pool connects to; user and password are passed separately and never appear here. */
    public String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        url.append(host.contains(",") ? host : host + ":" + port);
        url.append('/').append(encode(dbName));
        StringJoiner query = new StringJoiner("&", "?", "");
        query.add("sslmode=" + sslMode);
        parameters.forEach((k, v) -> query.add(encode(k) + "=" + encode(v)));
        return url.append(query).toString();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
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

    /** Driver parameters taken from the connection string other than those with fields of their own. */
    public Map<String, String> parameters() {
        return parameters;
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

    /** The deepest level {@code getTaskTree} descends to below the root. */
    public int treeDepthLimit() {
        return treeDepthLimit;
    }

    /** Bound on every lock wait of the store's connections, or null for the server's setting. */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** Bound on every statement of the store's connections, or null for the server's setting. */
    public Duration statementTimeout() {
        return statementTimeout;
    }

    /** The {@code application_name} of the store's sessions, as {@code pg_stat_activity} shows them. */
    public String applicationName() {
        return applicationName;
    }

    @Override
    public String toString() {
        return "StoreConfig{url=" + jdbcUrl() + ", user=" + user + ", password="
                + (password == null || password.isEmpty() ? "(none)" : "****")
                + ", maxPoolSize=" + maxPoolSize + ", minIdle=" + minIdle
                + ", healthCheckPeriod=" + healthCheckPeriod + ", connectTimeout=" + connectTimeout
                + ", autoMigrate=" + autoMigrate + ", treeDepthLimit=" + treeDepthLimit
                + ", lockTimeout=" + lockTimeout + ", statementTimeout=" + statementTimeout + "}";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Defaults are the seed's: localhost:5432, user and database postgres, no password, sslmode disable. */
    public static final class Builder {
        private String connString;
        private String host = "localhost";
        private int port = 5432;
        private String user = "postgres";
        private String password = "";
        private String dbName = "postgres";
        private String sslMode = "disable";
        private int maxPoolSize = 20;
        private int minIdle = 2;
        private Duration healthCheckPeriod = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private boolean autoMigrate;
        private int treeDepthLimit = 100;
        private Duration lockTimeout;
        private Duration statementTimeout;
        private String applicationName = "compozy-store";

        private Builder() {
        }

        /** A full connection string; what it names overrides the individual fields. */
        public Builder connString(String connString) {
            this.connString = connString;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
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

        /** Bound on opening a connection and on waiting for one from the pool. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Apply the Liquibase changelog when the store opens. */
        public Builder autoMigrate(boolean autoMigrate) {
            this.autoMigrate = autoMigrate;
            return this;
        }

        public Builder treeDepthLimit(int treeDepthLimit) {
            this.treeDepthLimit = treeDepthLimit;
            return this;
        }

        /**
         * Bounds every lock wait on the store's own pool ({@code lock_timeout}); a longer wait fails with
         * {@link LockTimeoutException}. Null keeps the server's setting. Per transaction:
         * {@link Tx#setLockTimeout}.
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

        /** How the store's sessions appear in {@code pg_stat_activity}; default {@code compozy-store}. */
        public Builder applicationName(String applicationName) {
            this.applicationName = applicationName;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public StoreConfig build() {
            return new StoreConfig(this);
        }
    }

    /** The fields a connection string names; null where it names nothing. */
    private static final class ConnectionParts {
        String host;
        Integer port;
        String user;
        String password;
        String dbName;
        String sslMode;
        final Map<String, String> parameters = new LinkedHashMap<>();

        static ConnectionParts parse(String connString) {
            Objects.requireNonNull(connString, "connString");
            String rest;
            boolean jdbc;
            if (connString.startsWith("jdbc:postgresql://")) {
                rest = connString.substring("jdbc:postgresql://".length());
                jdbc = true;
            } else if (connString.startsWith("postgres://")) {
                rest = connString.substring("postgres://".length());
                jdbc = false;
            } else if (connString.startsWith("postgresql://")) {
                rest = connString.substring("postgresql://".length());
                jdbc = false;
            } else {
                throw new IllegalArgumentException("connString: expected jdbc:postgresql://, postgres:// or "
                        + "postgresql://, got '" + redactedPrefix(connString) + "'");
            }
            ConnectionParts parts = new ConnectionParts();
            int queryStart = rest.indexOf('?');
            String query = queryStart < 0 ? "" : rest.substring(queryStart + 1);
            String location = queryStart < 0 ? rest : rest.substring(0, queryStart);
            int slash = location.indexOf('/');
            String authority = slash < 0 ? location : location.substring(0, slash);
            if (slash >= 0 && slash + 1 < location.length()) {
                parts.dbName = decode(location.substring(slash + 1));
            }
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                if (jdbc) {
                    throw new IllegalArgumentException("connString: a JDBC URL takes user and password as "
                            + "parameters, not before '@'");
                }
                String userInfo = authority.substring(0, at);
                authority = authority.substring(at + 1);
                int colon = userInfo.indexOf(':');
                parts.user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                if (colon >= 0) {
                    parts.password = decode(userInfo.substring(colon + 1));
                }
            }
            parseHostAndPort(parts, authority);
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (key.toLowerCase(Locale.ROOT)) {
                    case "user" -> parts.user = value;
                    case "password" -> parts.password = value;
                    case "sslmode" -> parts.sslMode = value.toLowerCase(Locale.ROOT);
                    case "dbname" -> parts.dbName = value;
                    default -> parts.parameters.put(key, value);
                }
            }
            return parts;
        }

        private static void parseHostAndPort(ConnectionParts parts, String authority) {
            if (authority.isEmpty()) {
                return;
            }
            if (authority.contains(",")) {
                parts.host = authority;
                return;
            }
            int portColon = authority.startsWith("[") ? authority.indexOf(':', authority.indexOf(']'))
                    : authority.lastIndexOf(':');
            if (portColon < 0) {
                parts.host = authority;
                return;
            }
            parts.host = authority.substring(0, portColon);
            String port = authority.substring(portColon + 1);
            try {
                parts.port = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("connString: port '" + port + "' is not a number", e);
            }
        }

        private static String decode(String value) {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        }

        private static String redactedPrefix(String connString) {
            int end = connString.indexOf("://");
            return end < 0 ? "(unrecognised)" : connString.substring(0, end + 3) + "…";
        }
    }
}
