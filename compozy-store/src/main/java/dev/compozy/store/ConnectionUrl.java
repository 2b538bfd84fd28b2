package dev.compozy.store;

import static dev.compozy.store.ConnectionKeywords.ENCODING_HINT;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * The settings a connection string names, made of the keyword/value pairs {@link ConnectionKeywords}
 * reads from it: libpq's and pgjdbc's parameters onto the store's own settings, and onto the driver
 * parameters that {@link DriverParameters} lets a connection string carry.
 *
 * <p>No error message quotes the connection string or any part of it (see {@link ConnectionKeywords}):
 * errors name a position or a parameter instead.
 */
final class ConnectionUrl {
    /** Hosts in connection order (IPv6 without brackets); empty when the URL names none. */
    final List<String> hosts = new ArrayList<>();
    /** Ports: none, one for every host, or one per host (null where a host keeps the default). */
    final List<Integer> ports = new ArrayList<>();

    String user;
    String password;
    String dbName;
    String sslMode;
    String sslPassword;
    String applicationName;
    String fallbackApplicationName;
    String schema;
    Duration connectTimeout;
    Duration lockTimeout;
    Duration statementTimeout;
    Duration idleInTransactionTimeout;
    /** What {@code options} carries besides the three timeouts above, or null. */
    String serverOptions;

    Integer maxPoolSize;
    Integer minIdle;
    Duration healthCheckPeriod;
    /** Driver parameters by their pgjdbc names, every one of them on {@link DriverParameters#ALLOWED}. */
    final Map<String, String> parameters = new LinkedHashMap<>();

    private ConnectionUrl() {}

    /** @throws IllegalArgumentException starting with {@code connString:}, quoting nothing of the URL */
    static ConnectionUrl parse(String connString) {
        Map<String, String> keywords = ConnectionKeywords.of(connString);
        boolean jdbc = connString.startsWith(ConnectionKeywords.JDBC);
        ConnectionUrl url = new ConnectionUrl();
        for (Map.Entry<String, String> keyword : keywords.entrySet()) {
            url.interpret(
                    keyword.getKey(),
                    keyword.getValue(),
                    jdbc,
                    () -> ConnectionKeywords.queryPosition(connString, keyword.getKey()));
        }
        return url;
    }

    private void interpret(String key, String value, boolean jdbc, IntSupplier position) {
        switch (key) {
            case "host" -> hosts(value);
            case "port" -> ports(value);
            case "dbname" -> dbName = value.isEmpty() ? null : value;
            case "user" -> user = value.isEmpty() ? null : value;
            case "password" -> password = value;
            case "sslmode" -> sslMode = value.toLowerCase(Locale.ROOT);
            case "ssl" -> {
                // pgjdbc: any value asks for TLS, verify-full unless sslmode says otherwise; pgx: ssl=true is require.
                if (!jdbc && !value.equals("true")) {
                    throw new IllegalArgumentException("connString: parameter 'ssl' takes only true; use sslmode");
                }
                if (sslMode == null) {
                    sslMode = jdbc ? "verify-full" : "require";
                }
            }
            case "sslpassword" -> sslPassword = value;
            case "connect_timeout" -> connectTimeout = seconds(key, value, false);
            case "connectTimeout", "loginTimeout" -> connectTimeout = seconds(key, value, true);
            case "application_name", "ApplicationName" -> applicationName = value;
            case "fallback_application_name" -> fallbackApplicationName = value;
            case "currentSchema" -> schema = value;
            case "options" -> options(value);
            case "target_session_attrs" -> parameters.put("targetServerType", DriverParameters.targetServerType(value));
            case "load_balance_hosts" ->
                parameters.put(
                        "loadBalanceHosts",
                        switch (value) {
                            case "disable" -> "false";
                            case "random" -> "true";
                            default ->
                                throw new IllegalArgumentException(
                                        "connString: load_balance_hosts: not disable or random");
                        });
            case "keepalives" ->
                parameters.put(
                        "tcpKeepAlive",
                        switch (value) {
                            case "0" -> "false";
                            case "1" -> "true";
                            default -> throw new IllegalArgumentException("connString: keepalives: not 0 or 1");
                        });
            case "pool_max_conns" -> maxPoolSize = whole(key, value);
            case "pool_min_conns" -> minIdle = whole(key, value);
            case "pool_health_check_period" -> healthCheckPeriod = DriverParameters.goDuration(key, value);
            // Checked, not applied: they pace pgx's own recycling of connections, which the store's pool does by
            // its own rules; refusing them would refuse the URL the Go service is configured with.
            case "pool_min_idle_conns" -> whole(key, value);
            case "pool_max_conn_lifetime", "pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time" ->
                DriverParameters.goDuration(key, value);
            default -> {
                if (DriverParameters.LIBPQ_NAMES.containsKey(key)) {
                    parameters.put(DriverParameters.LIBPQ_NAMES.get(key), value);
                } else if (DriverParameters.ALLOWED.contains(key)) {
                    parameters.put(key, value);
                } else if (DriverParameters.REFUSED.contains(key)) {
                    throw DriverParameters.refused(key);
                } else if (DriverParameters.LIBPQ_UNSERVED.contains(key)) {
                    throw new IllegalArgumentException("connString: parameter '" + key + "' is a libpq parameter the "
                            + "PostgreSQL JDBC driver has no equivalent for");
                } else {
                    String named = DriverParameters.isKnown(key)
                            ? "parameter '" + key + "'"
                            : "query parameter " + position.getAsInt();
                    throw new IllegalArgumentException("connString: " + named + " is not a libpq or pgjdbc parameter "
                            + "this store accepts" + ENCODING_HINT);
                }
            }
        }
    }

    private void hosts(String value) {
        hosts.clear();
        String[] names = value.split(",", -1);
        for (int n = 0; n < names.length; n++) {
            String host = names[n];
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            // libpq reads a leading '/' as a socket directory and a leading '@' as Linux's abstract namespace.
            if (host.startsWith("/") || host.startsWith("@")) {
                throw new IllegalArgumentException(
                        "connString: host " + (n + 1) + " is a Unix-domain socket path: "
                                + "the PostgreSQL JDBC driver connects over TCP only, unless the application adds a socket "
                                + "factory (junixsocket) in code with StoreConfig.Builder.driverParameter(\"socketFactory\", …)");
            }
            if (host.isEmpty() && names.length == 1) {
                return;
            }
            if (!ConfigValues.isHostName(host)) {
                throw new IllegalArgumentException(
                        "connString: host " + (n + 1) + " is not a host name or an IP address" + ENCODING_HINT);
            }
            hosts.add(host);
        }
    }

    private void ports(String value) {
        ports.clear();
        String[] numbers = value.split(",", -1);
        for (int n = 0; n < numbers.length; n++) {
            if (numbers[n].isEmpty()) {
                ports.add(null);
                continue;
            }
            int port = numbers[n].matches("[0-9]{1,5}") ? Integer.parseInt(numbers[n]) : -1;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(
                        "connString: port " + (n + 1) + " is not a number between 1 and " + "65535" + ENCODING_HINT);
            }
            ports.add(port);
        }
        if (ports.stream().allMatch(Objects::isNull)) {
            ports.clear();
        }
    }

    private void options(String value) {
        List<String> kept = new ArrayList<>();
        List<String> tokens = optionTokens(value);
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String setting = null;
            boolean pair = false;
            if (token.equals("-c") && i + 1 < tokens.size()) {
                setting = tokens.get(i + 1);
                pair = true;
            } else if (token.startsWith("-c")) {
                setting = token.substring(2);
            } else if (token.startsWith("--")) {
                setting = token.substring(2);
            }
            int eq = setting == null ? -1 : setting.indexOf('=');
            String name = eq < 0
                    ? null
                    : unescape(setting.substring(0, eq)).replace('-', '_').toLowerCase(Locale.ROOT);
            String setValue = eq < 0 ? null : unescape(setting.substring(eq + 1));
            if (DriverParameters.LOCK_TIMEOUT.equals(name)) {
                lockTimeout = DriverParameters.serverDuration(name, setValue);
            } else if (DriverParameters.STATEMENT_TIMEOUT.equals(name)) {
                statementTimeout = DriverParameters.serverDuration(name, setValue);
            } else if (DriverParameters.IDLE_IN_TRANSACTION_TIMEOUT.equals(name)) {
                idleInTransactionTimeout = DriverParameters.serverDuration(name, setValue);
            } else {
                kept.add(token);
                if (pair) {
                    kept.add(tokens.get(i + 1));
                }
            }
            if (pair) {
                i++;
            }
        }
        serverOptions = kept.isEmpty() ? null : String.join(" ", kept);
    }

    /** libpq's splitting of {@code options}: whitespace separates, a backslash keeps the next character. */
    private static List<String> optionTokens(String options) {
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                token.append(c).append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (!token.isEmpty()) {
                    tokens.add(token.toString());
                    token.setLength(0);
                }
            } else {
                token.append(c);
            }
        }
        if (!token.isEmpty()) {
            tokens.add(token.toString());
        }
        return tokens;
    }

    private static String unescape(String token) {
        return token.replaceAll("\\\\(.)", "$1");
    }

    private static Duration seconds(String key, String value, boolean fractional) {
        try {
            BigDecimal seconds = new BigDecimal(value.trim());
            if (seconds.signum() <= 0 || !fractional && seconds.scale() > 0) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("connString: " + key + " must be a positive "
                    + (fractional ? "" : "whole ") + "number of seconds (the store always bounds connecting)");
        }
    }

    private static int whole(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("connString: " + key + " is not a whole number", e);
        }
    }
}
