package dev.compozy.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The values of a {@link StoreConfig}. A {@link StoreConfig.Builder} fills one, starting from the defaults
 * below; {@link #resolve} makes of it the one a built config holds and no one changes afterwards: the
 * connection string applied over the builder's values, a port for every host, the application name
 * decided, and every value checked.
 */
final class ConfigValues {
    private static final String DEFAULT_APPLICATION_NAME = "compozy-store";

    private static final Set<String> SSL_MODES =
            Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*)");
    private static final Pattern IP_V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
    /** An unquoted PostgreSQL identifier that needs no quoting anywhere: search_path, Liquibase, Hibernate. */
    private static final Pattern SCHEMA_NAME = Pattern.compile("(?!pg_)[a-z_][a-z0-9_]{0,62}");

    /** A builder's connection string; null once resolved. */
    String connString;

    List<String> hosts = List.of("localhost");
    /** A builder's: null while {@link #port} serves every host. Resolved: the port of each host. */
    List<Integer> ports;
    /** A builder's port for every host that names none; resolved values use {@link #ports} only. */
    int port = 5432;

    String user = "postgres";
    String password = "";
    String dbName = "postgres";
    String sslMode = "disable";
    String sslPassword;
    /** A builder's own to change; unmodifiable once resolved. */
    Map<String, String> parameters = new LinkedHashMap<>();

    String serverOptions;
    int maxPoolSize = 20;
    int minIdle = 2;
    Duration healthCheckPeriod = Duration.ofSeconds(30);
    Duration connectTimeout = Duration.ofSeconds(5);
    boolean autoMigrate;
    IndexProfile indexProfile = IndexProfile.DEFAULT;
    int treeDepthLimit = 100;
    Duration lockTimeout = StoreConfig.DEFAULT_LOCK_TIMEOUT;
    Duration statementTimeout;
    Duration idleInTransactionTimeout;
    /** A builder's: null for the connection string's or the default; never null once resolved. */
    String applicationName;

    String schema;

    /**
     * The values of a config built from these: a connection string wins over these for every setting it
     * names, and these apply to every setting it does not name.
     *
     * @throws IllegalArgumentException naming the first invalid field, never quoting a secret
     */
    ConfigValues resolve() {
        ConnectionUrl url = connString == null ? null : ConnectionUrl.parse(connString);
        ConfigValues r = new ConfigValues();
        boolean urlHosts = url != null && !url.hosts.isEmpty();
        r.hosts = List.copyOf(urlHosts ? url.hosts : hosts);
        r.ports = pairPorts(r.hosts, url == null ? List.of() : url.ports, urlHosts ? null : ports, port);
        r.user = url != null && url.user != null ? url.user : user;
        r.password = url != null && url.password != null ? url.password : password;
        r.dbName = url != null && url.dbName != null ? url.dbName : dbName;
        r.sslMode = url != null && url.sslMode != null ? url.sslMode : sslMode;
        r.sslPassword = url != null && url.sslPassword != null ? url.sslPassword : sslPassword;
        Map<String, String> merged = new LinkedHashMap<>(parameters);
        if (url != null) {
            merged.putAll(url.parameters);
        }
        r.parameters = Collections.unmodifiableMap(merged);
        r.serverOptions = url != null && url.serverOptions != null ? url.serverOptions : serverOptions;
        r.maxPoolSize = url != null && url.maxPoolSize != null ? url.maxPoolSize : maxPoolSize;
        r.minIdle = url != null && url.minIdle != null ? url.minIdle : minIdle;
        r.healthCheckPeriod = url != null && url.healthCheckPeriod != null ? url.healthCheckPeriod : healthCheckPeriod;
        r.connectTimeout = url != null && url.connectTimeout != null ? url.connectTimeout : connectTimeout;
        r.autoMigrate = autoMigrate;
        r.indexProfile = indexProfile;
        r.treeDepthLimit = treeDepthLimit;
        r.lockTimeout = url != null && url.lockTimeout != null ? url.lockTimeout : lockTimeout;
        r.statementTimeout = url != null && url.statementTimeout != null ? url.statementTimeout : statementTimeout;
        r.idleInTransactionTimeout = url != null && url.idleInTransactionTimeout != null
                ? url.idleInTransactionTimeout
                : idleInTransactionTimeout;
        r.applicationName = url != null && url.applicationName != null
                ? url.applicationName
                : applicationName != null
                        ? applicationName
                        : url != null && url.fallbackApplicationName != null
                                ? url.fallbackApplicationName
                                : DEFAULT_APPLICATION_NAME;
        r.schema = url != null && url.schema != null ? url.schema : schema;
        r.check();
        return r;
    }

    /** A builder's values holding every one of these resolved ones; what is set on them afterwards applies. */
    ConfigValues toBuilder() {
        ConfigValues b = new ConfigValues();
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

    /**
     * One port for every host, as libpq pairs them: the URL's list (one port for all hosts, or one per
     * host), else the builder's, with the builder's port wherever a host names none.
     */
    private static List<Integer> pairPorts(
            List<String> hosts, List<Integer> named, List<Integer> builderPorts, int defaultPort) {
        List<Integer> source = !named.isEmpty() ? named : builderPorts != null ? builderPorts : List.of();
        if (source.size() > 1 && source.size() != hosts.size()) {
            throw new IllegalArgumentException(
                    "connString: " + source.size() + " ports for " + hosts.size() + " hosts");
        }
        List<Integer> resolved = new ArrayList<>(hosts.size());
        for (int i = 0; i < hosts.size(); i++) {
            Integer port = source.isEmpty() ? null : source.get(source.size() == 1 ? 0 : i);
            resolved.add(port == null ? defaultPort : port);
        }
        return List.copyOf(resolved);
    }

    private void check() {
        require(!hosts.isEmpty() && hosts.stream().noneMatch(String::isBlank), "host: must not be blank");
        require(hosts.stream().allMatch(ConfigValues::isHostName), "host: not a host name or an IP address");
        for (int port : ports) {
            require(port > 0 && port < 65536, "port: must be between 1 and 65535, got " + port);
        }
        require(user != null && !user.isBlank(), "user: must not be blank");
        require(dbName != null && !dbName.isBlank(), "dbName: must not be blank");
        require(SSL_MODES.contains(sslMode), "sslMode: not one of " + SSL_MODES);
        require(maxPoolSize >= 1, "maxPoolSize: must be at least 1, got " + maxPoolSize);
        require(minIdle >= 0 && minIdle <= maxPoolSize, "minIdle: must be between 0 and maxPoolSize, got " + minIdle);
        require(
                healthCheckPeriod != null && healthCheckPeriod.toMillis() >= 30_000,
                "healthCheckPeriod: must be at least 30 s (the pool's minimum keepalive), got " + healthCheckPeriod);
        require(
                connectTimeout != null && connectTimeout.toMillis() >= 250,
                "connectTimeout: must be at least 250 ms, got " + connectTimeout);
        require(indexProfile != null, "indexProfile: must not be null");
        require(treeDepthLimit >= 1, "treeDepthLimit: must be at least 1, got " + treeDepthLimit);
        require(applicationName != null && !applicationName.isBlank(), "applicationName: must not be blank");
        require(lockTimeout == null || !lockTimeout.isNegative(), "lockTimeout: must not be negative");
        require(statementTimeout == null || !statementTimeout.isNegative(), "statementTimeout: must not be negative");
        require(
                idleInTransactionTimeout == null || !idleInTransactionTimeout.isNegative(),
                "idleInTransactionTimeout: must not be negative");
        if (schema != null) {
            requireSchemaName(schema);
        }
    }

    /** @throws IllegalArgumentException unless the name is a schema name the store accepts (it is quoted nowhere) */
    static void requireSchemaName(String schema) {
        require(
                schema != null && SCHEMA_NAME.matcher(schema).matches(),
                "schema: '" + schema + "' is not a lower-case "
                        + "identifier ([a-z_][a-z0-9_]*, at most 63 characters, not starting with pg_)");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A DNS name, an IPv4 address, or an IPv6 address without brackets (scope included). */
    static boolean isHostName(String host) {
        return host != null
                && (HOST_NAME.matcher(host).matches() || IP_V6.matcher(host).matches());
    }
}
