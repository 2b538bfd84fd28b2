package dev.compozy.store;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGProperty;

/**
 * Which PostgreSQL JDBC driver (pgjdbc 42.7) parameters a connection string may carry, and how libpq's
 * parameter names map onto them.
 *
 * <p>Configuration (a URL in an environment variable, a properties file) is data that someone other than
 * the application's author may control, so a parameter that makes the driver load a class, read or write
 * a file of its own choosing, or weaken TLS is refused there; the application can still set it in code
 * through {@link StoreConfig.Builder#driverParameter}. This is the class of parameter pgjdbc's advisory
 * CVE-2022-21724 is about.
 */
final class DriverParameters {
    /** Parameters refused from configuration: they load classes, touch files, or replace TLS checks. */
    static final Set<String> REFUSED = Set.of(
            "socketFactory",
            "socketFactoryArg",
            "sslfactory",
            "sslfactoryarg",
            "sslhostnameverifier",
            "sslpasswordcallback",
            "authenticationPluginClassName",
            "connectExecutor",
            "connectExecutorArg",
            "xmlFactoryFactory",
            "classLoaderStrategy",
            "loggerFile",
            "loggerLevel",
            "service");

    /** Driver parameters whose values are shown masked: factory arguments may carry credentials. */
    static final Set<String> MASKED = Set.of("socketFactoryArg", "sslfactoryarg", "connectExecutorArg");

    /** Driver parameters a connection string may carry as they are (pgjdbc names). */
    static final Set<String> ALLOWED = Set.of(
            "sslrootcert",
            "sslcert",
            "sslkey",
            "sslNegotiation",
            "sslResponseTimeout",
            "channelBinding",
            "requireAuth",
            "gssEncMode",
            "gsslib",
            "gssResponseTimeout",
            "gssUseDefaultCreds",
            "kerberosServerName",
            "jaasApplicationName",
            "jaasLogin",
            "useSpnego",
            "sspiServiceClass",
            "targetServerType",
            "loadBalanceHosts",
            "hostRecheckSeconds",
            "tcpKeepAlive",
            "tcpNoDelay",
            "socketTimeout",
            "cancelSignalTimeout",
            "localSocketAddress",
            "receiveBufferSize",
            "sendBufferSize",
            "maxSendBufferSize",
            "assumeMinServerVersion",
            "prepareThreshold",
            "preparedStatementCacheQueries",
            "preparedStatementCacheSizeMiB",
            "defaultRowFetchSize",
            "binaryTransfer",
            "binaryTransferEnable",
            "binaryTransferDisable",
            "stringtype",
            "readOnly",
            "readOnlyMode",
            "autosave",
            "cleanupSavepoints",
            "reWriteBatchedInserts",
            "reWriteBatchedInsertsSize",
            "logUnclosedConnections",
            "logServerErrorDetail",
            "maxResultBuffer",
            "adaptiveFetch",
            "adaptiveFetchMaximum",
            "adaptiveFetchMinimum",
            "unknownLength",
            "hideUnprivilegedObjects",
            "escapeSyntaxCallMode",
            "preferQueryMode",
            "quoteReturningIdentifiers",
            "flushCacheOnDdl",
            "groupStartupParameters",
            "databaseMetadataCacheFields",
            "databaseMetadataCacheFieldsMiB",
            "allowEncodingChanges",
            "disableColumnSanitiser",
            "convertBooleanToNumeric",
            "scramMaxIterations",
            "pemKeyAlgorithm");

    /** libpq parameters that are driver parameters under another name. */
    static final Map<String, String> LIBPQ_NAMES = Map.of(
            "sslnegotiation", "sslNegotiation",
            "channel_binding", "channelBinding",
            "require_auth", "requireAuth",
            "gssencmode", "gssEncMode",
            "krbsrvname", "kerberosServerName");

    /** libpq parameters pgjdbc has no equivalent for: refused by name rather than silently dropped. */
    static final Set<String> LIBPQ_UNSERVED = Set.of(
            "hostaddr",
            "passfile",
            "sslcrl",
            "sslcrldir",
            "sslsni",
            "sslcompression",
            "sslcertmode",
            "ssl_min_protocol_version",
            "ssl_max_protocol_version",
            "sslkeylogfile",
            "requirepeer",
            "replication",
            "tcp_user_timeout",
            "keepalives_idle",
            "keepalives_interval",
            "keepalives_count",
            "client_encoding",
            "gssdelegation",
            "scram_client_key",
            "scram_server_key",
            "oauth_issuer",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_scope",
            "max_protocol_version",
            "min_protocol_version");

    /** Driver parameters the store sets from fields of its own; set those fields instead. */
    static final Set<String> OWNED = Set.of(
            "user",
            "password",
            "sslpassword",
            "sslmode",
            "ssl",
            "PGHOST",
            "PGPORT",
            "PGDBNAME",
            "ApplicationName",
            "options",
            "connectTimeout",
            "loginTimeout",
            "currentSchema");

    /** pgx's pool parameters, which a URL shared with a Go service may carry. */
    static final Set<String> POOL_PARAMETERS = Set.of(
            "pool_max_conns",
            "pool_min_conns",
            "pool_health_check_period",
            "pool_min_idle_conns",
            "pool_max_conn_lifetime",
            "pool_max_conn_lifetime_jitter",
            "pool_max_conn_idle_time");

    /** The server settings that {@code options} may carry and that have fields of their own. */
    static final String LOCK_TIMEOUT = "lock_timeout";

    static final String STATEMENT_TIMEOUT = "statement_timeout";
    static final String IDLE_IN_TRANSACTION_TIMEOUT = "idle_in_transaction_session_timeout";

    private DriverParameters() {}

    /** Whether pgjdbc knows the parameter at all (names are case-sensitive, as the driver reads them). */
    static boolean isDriverParameter(String name) {
        return PGProperty.forName(name) != null;
    }

    /**
     * Whether the store knows the parameter by name (libpq's, pgx's pool parameters or the driver's), so that
     * an error may name it: an unknown name may be part of a mis-encoded password.
     */
    static boolean isKnown(String key) {
        return key.equals("host")
                || key.equals("port")
                || key.equals("dbname")
                || key.equals("user")
                || key.equals("password")
                || key.equals("sslmode")
                || key.equals("sslpassword")
                || key.equals("connect_timeout")
                || key.equals("application_name")
                || key.equals("fallback_application_name")
                || key.equals("options")
                || key.equals("target_session_attrs")
                || key.equals("load_balance_hosts")
                || key.equals("keepalives")
                || POOL_PARAMETERS.contains(key)
                || LIBPQ_NAMES.containsKey(key)
                || LIBPQ_UNSERVED.contains(key)
                || ALLOWED.contains(key)
                || REFUSED.contains(key)
                || OWNED.contains(key);
    }

    /** The error for a {@link #REFUSED} parameter in a connection string. */
    static IllegalArgumentException refused(String name) {
        return new IllegalArgumentException("connString: parameter '" + name + "' is refused: from configuration it "
                + "would make the driver load a class, use a file, or replace a TLS check; if the application means "
                + "it, set it in code with StoreConfig.Builder.driverParameter");
    }

    /** libpq's {@code target_session_attrs} as pgjdbc's {@code targetServerType}. */
    static String targetServerType(String libpqValue) {
        return switch (libpqValue) {
            case "any" -> "any";
            case "read-write", "primary" -> "primary";
            case "read-only", "standby" -> "secondary";
            case "prefer-standby" -> "preferSecondary";
            default ->
                throw new IllegalArgumentException("connString: target_session_attrs: not one of any, "
                        + "read-write, read-only, primary, standby, prefer-standby");
        };
    }

    /**
     * A PostgreSQL duration setting as the server reads it: a number with an optional unit (us, ms, s,
     * min, h, d; milliseconds when none is given).
     */
    static Duration serverDuration(String setting, String value) {
        String text = value.trim();
        int unitStart = 0;
        while (unitStart < text.length()
                && (Character.isDigit(text.charAt(unitStart)) || text.charAt(unitStart) == '.')) {
            unitStart++;
        }
        String unit = text.substring(unitStart).trim().toLowerCase(Locale.ROOT);
        BigDecimal nanosPerUnit = switch (unit) {
            case "us" -> BigDecimal.valueOf(1_000L);
            case "", "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            case "min" -> BigDecimal.valueOf(60_000_000_000L);
            case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
            case "d" -> BigDecimal.valueOf(86_400_000_000_000L);
            default -> null;
        };
        if (unitStart == 0 || nanosPerUnit == null) {
            throw new IllegalArgumentException("connString: options: " + setting + " is not a duration "
                    + "(a number with an optional unit us, ms, s, min, h or d)");
        }
        try {
            return Duration.ofNanos(new BigDecimal(text.substring(0, unitStart))
                    .multiply(nanosPerUnit)
                    .longValueExact());
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("connString: options: " + setting + " is not a duration", e);
        }
    }

    /** A duration in Go's notation ({@code 1m30s}, {@code 500ms}), as pgx reads its pool parameters. */
    static Duration goDuration(String parameter, String value) {
        String text = value.trim();
        Duration total = Duration.ZERO;
        int i = 0;
        if (text.isEmpty() || text.equals("0")) {
            return total;
        }
        while (i < text.length()) {
            int numberStart = i;
            while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
                i++;
            }
            int unitStart = i;
            while (i < text.length() && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
                i++;
            }
            if (numberStart == unitStart) {
                throw new IllegalArgumentException("connString: " + parameter + " is not a duration such as 30s or 1m");
            }
            long nanosPerUnit = switch (text.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default ->
                    throw new IllegalArgumentException(
                            "connString: " + parameter + " is not a duration such as 30s or 1m");
            };
            try {
                total = total.plusNanos(new BigDecimal(text.substring(numberStart, unitStart))
                        .multiply(BigDecimal.valueOf(nanosPerUnit))
                        .longValueExact());
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException(
                        "connString: " + parameter + " is not a duration such as 30s or 1m", e);
            }
        }
        return total;
    }
}
