package dev.compozy.store;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntSupplier;
import org.postgresql.Driver;

/**
 * The settings a connection string names. {@code postgres://} and {@code postgresql://} URLs are read as
 * libpq reads them (and pgx, which follows libpq): percent-decoding only, so {@code +} is a plus sign;
 * IPv6 hosts in brackets, scope included; several {@code host:port} pairs separated by commas; any part
 * of the URL also given as a query parameter. A {@code jdbc:postgresql:} URL is parsed by pgjdbc's own
 * {@link Driver#parseURL}.
 *
 * <p>No error message quotes the connection string or any part of it: a malformed URL is most often a
 * password with an unencoded {@code /}, {@code @} or {@code &}, and the part quoted would be the password.
 * Errors name a position or a parameter instead.
 */
final class ConnectionUrl {
    private static final String POSTGRESQL = "postgresql://";
    private static final String POSTGRES = "postgres://";
    private static final String JDBC = "jdbc:postgresql:";
    /** pgx's pool parameters, which a URL shared with a Go service may carry. */
    private static final Set<String> POOL_PARAMETERS = Set.of("pool_max_conns", "pool_min_conns", "pool_health_check_period",
            "pool_min_idle_conns", "pool_max_conn_lifetime", "pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time");
    private static final String ENCODING_HINT =
            " (a '/', '@', ':', '?', '&', '=', '%' or space inside a user name, password or value must be percent-encoded)";

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

    private ConnectionUrl() {
    }

    /** @throws IllegalArgumentException starting with {@code connString:}, quoting nothing of the URL */
    static ConnectionUrl parse(String connString) {
        Map<String, String> keywords;
        boolean jdbc = connString.startsWith(JDBC);
        if (jdbc) {
            keywords = jdbcKeywords(connString);
        } else if (connString.startsWith(POSTGRESQL) || connString.startsWith(POSTGRES)) {
            keywords = keywords(connString);
        } else {
            throw new IllegalArgumentException("connString: expected a URL starting with postgres://, postgresql:// or "
                    + "jdbc:postgresql:");
        }
        ConnectionUrl url = new ConnectionUrl();
        for (Map.Entry<String, String> keyword : keywords.entrySet()) {
            url.interpret(keyword.getKey(), keyword.getValue(), jdbc, () -> queryPosition(connString, keyword.getKey()));
        }
        return url;
    }

    /** Where in the query a parameter stands (1 for the first), so that an error can point at it unquoted. */
    private static int queryPosition(String connString, String key) {
        int query = connString.indexOf('?');
        String[] pairs = query < 0 ? new String[0] : connString.substring(query + 1).split("&", -1);
        int found = 0;
        for (int n = 0; n < pairs.length; n++) {
            String name = pairs[n].split("=", 2)[0].strip();
            try {
                if (name.equals(key) || URLDecoder.decode(name, StandardCharsets.UTF_8).equals(key)) {
                    found = n + 1;
                }
            } catch (IllegalArgumentException undecodable) {
                // Not this one: the parameter being looked for was decoded without error.
            }
        }
        return found;
    }

    /**
     * The keyword/value pairs libpq reads from a {@code postgres://} or {@code postgresql://} URL, under
     * libpq's keywords ({@code host}, {@code port}, {@code dbname}, {@code user}, {@code password} and the
     * query parameters as written); a later occurrence of a keyword replaces an earlier one, as in libpq.
     */
    static Map<String, String> keywords(String connString) {
        String rest = connString.startsWith(POSTGRESQL) ? connString.substring(POSTGRESQL.length())
                : connString.substring(POSTGRES.length());
        Map<String, String> keywords = new LinkedHashMap<>();
        int at = indexOfAny(rest, "@/", 0);
        if (at >= 0 && rest.charAt(at) == '@') {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                keywords.put("user", decode(user, "the user name"));
            }
            if (colon >= 0 && colon + 1 < userInfo.length()) {
                keywords.put("password", decode(userInfo.substring(colon + 1), "the password"));
            }
        }
        StringBuilder hostList = new StringBuilder();
        StringBuilder portList = new StringBuilder();
        int i = 0;
        for (int host = 1; ; host++) {
            if (i < rest.length() && rest.charAt(i) == '[') {
                int close = rest.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("connString: host " + host + ": an IPv6 address misses its ']'");
                }
                if (close == i + 1) {
                    throw new IllegalArgumentException("connString: host " + host + ": the IPv6 address is empty");
                }
                hostList.append(rest, i + 1, close);
                i = close + 1;
                if (i < rest.length() && ":/?,".indexOf(rest.charAt(i)) < 0) {
                    throw new IllegalArgumentException("connString: host " + host
                            + ": expected ':', '/', '?' or ',' after the IPv6 address" + ENCODING_HINT);
                }
            } else {
                int end = indexOfAny(rest, ":/?,", i);
                end = end < 0 ? rest.length() : end;
                hostList.append(rest, i, end);
                i = end;
            }
            if (i < rest.length() && rest.charAt(i) == ':') {
                int end = indexOfAny(rest, "/?,", i + 1);
                end = end < 0 ? rest.length() : end;
                portList.append(rest, i + 1, end);
                i = end;
            }
            if (i >= rest.length() || rest.charAt(i) != ',') {
                break;
            }
            i++;
            hostList.append(',');
            portList.append(',');
        }
        if (!hostList.isEmpty()) {
            keywords.put("host", decode(hostList.toString(), "the host"));
        }
        if (!portList.isEmpty()) {
            keywords.put("port", decode(portList.toString(), "the port"));
        }
        rest = rest.substring(i);
        if (rest.startsWith("/")) {
            int query = rest.indexOf('?');
            String path = query < 0 ? rest.substring(1) : rest.substring(1, query);
            rest = query < 0 ? "" : rest.substring(query);
            // libpq would take these, but a raw '@' or '/' here is nearly always a password with an unencoded
            // '/', and the name would carry the rest of it into logs and errors.
            if (path.indexOf('@') >= 0 || path.indexOf('/') >= 0) {
                throw new IllegalArgumentException("connString: the database name contains an unencoded '/' or '@'"
                        + ENCODING_HINT);
            }
            if (!path.isEmpty()) {
                keywords.put("dbname", decode(path, "the database name"));
            }
        }
        if (rest.startsWith("?")) {
            parseQuery(rest.substring(1), keywords);
        }
        return keywords;
    }

    private static void parseQuery(String query, Map<String, String> keywords) {
        if (query.isEmpty()) {
            return;
        }
        String[] pairs = query.split("&", -1);
        for (int n = 0; n < pairs.length; n++) {
            String where = "query parameter " + (n + 1);
            int eq = pairs[n].indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("connString: " + where + " has no '='" + ENCODING_HINT);
            }
            String key = decode(pairs[n].substring(0, eq), "the name of " + where);
            String named = isKnown(key) ? "query parameter '" + key + "'" : where;
            if (pairs[n].indexOf('=', eq + 1) >= 0) {
                throw new IllegalArgumentException("connString: the value of " + named + " has a second '='"
                        + ENCODING_HINT);
            }
            // A re-added key moves to the end, so that interpretation sees keywords in their final order.
            keywords.remove(key);
            keywords.put(key, decode(pairs[n].substring(eq + 1), "the value of " + named));
        }
    }

    /**
     * libpq's percent-decoding: {@code %XX} only ({@code +} stays a plus sign), {@code %00} refused,
     * surrounding spaces dropped and inner ones refused.
     */
    private static String decode(String raw, String what) {
        String text = raw.strip();
        if (text.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("connString: " + what + " contains a space; write it as %20");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (c != '%') {
                int end = i + Character.charCount(text.codePointAt(i));
                byte[] encoded = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i = end;
                continue;
            }
            int value = i + 2 < text.length() ? hex(text.charAt(i + 1)) << 4 | hex(text.charAt(i + 2)) : -1;
            if (value < 0) {
                throw new IllegalArgumentException("connString: " + what + " has an invalid percent-encoding");
            }
            if (value == 0) {
                throw new IllegalArgumentException("connString: " + what + " contains %00, which is not allowed");
            }
            bytes.write(value);
            i += 3;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        int digit = Character.digit(c, 16);
        return digit < 0 ? -0x1000 : digit;
    }

    private static int indexOfAny(String text, String chars, int from) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * pgjdbc's reading of a {@code jdbc:postgresql:} URL, its host, port and database under libpq's
     * keywords. What pgjdbc would log while parsing (a port that is not a number, a user-info part it
     * rejects, a parameter that makes it read a file) is refused here first, without quoting.
     */
    static Map<String, String> jdbcKeywords(String connString) {
        String rest = connString.substring(JDBC.length());
        int queryStart = rest.indexOf('?');
        String location = queryStart < 0 ? rest : rest.substring(0, queryStart);
        if (location.startsWith("//")) {
            int slash = location.indexOf('/', 2);
            String authority = slash < 0 ? location.substring(2) : location.substring(2, slash);
            if (authority.indexOf('@') >= 0) {
                throw new IllegalArgumentException("connString: a JDBC URL takes the user and password as parameters "
                        + "(?user=…&password=…), not before an '@'" + ENCODING_HINT);
            }
            String[] addresses = authority.split(",", -1);
            for (int n = 0; n < addresses.length; n++) {
                String address = addresses[n];
                int close = address.lastIndexOf(']');
                int colon = address.lastIndexOf(':');
                if (colon > close && !address.substring(colon + 1).matches("[0-9]+")) {
                    throw new IllegalArgumentException("connString: the port of host " + (n + 1) + " is not a number"
                            + ENCODING_HINT);
                }
            }
            if (slash >= 0) {
                jdbcDecode(location.substring(slash + 1), "the database name");
            }
        }
        if (queryStart >= 0) {
            String[] pairs = rest.substring(queryStart + 1).split("&");
            for (int n = 0; n < pairs.length; n++) {
                int eq = pairs[n].indexOf('=');
                String key = jdbcDecode(eq < 0 ? pairs[n] : pairs[n].substring(0, eq), "query parameter " + (n + 1));
                if (DriverParameters.REFUSED.contains(key)) {
                    throw refused(key);
                }
                jdbcDecode(eq < 0 ? "" : pairs[n].substring(eq + 1), "the value of query parameter " + (n + 1));
            }
        }
        Properties parsed = Driver.parseURL(connString, null);
        if (parsed == null) {
            throw new IllegalArgumentException("connString: the PostgreSQL JDBC driver cannot parse this URL");
        }
        Map<String, String> keywords = new LinkedHashMap<>();
        for (String name : parsed.stringPropertyNames()) {
            String value = parsed.getProperty(name);
            switch (name) {
                case "PGHOST" -> keywords.put("host", value);
                case "PGPORT" -> keywords.put("port", value);
                case "PGDBNAME" -> keywords.put("dbname", value);
                default -> keywords.put(name, value);
            }
        }
        return keywords;
    }

    private static String jdbcDecode(String raw, String what) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("connString: " + what + " has an invalid percent-encoding");
        }
    }

    private static IllegalArgumentException refused(String name) {
        return new IllegalArgumentException("connString: parameter '" + name + "' is refused: from configuration it "
                + "would make the driver load a class, use a file, or replace a TLS check; if the application means "
                + "it, set it in code with StoreConfig.Builder.driverParameter");
    }

    private static boolean isKnown(String key) {
        return key.equals("host") || key.equals("port") || key.equals("dbname") || key.equals("user")
                || key.equals("password") || key.equals("sslmode") || key.equals("sslpassword")
                || key.equals("connect_timeout") || key.equals("application_name")
                || key.equals("fallback_application_name") || key.equals("options")
                || key.equals("target_session_attrs") || key.equals("load_balance_hosts") || key.equals("keepalives")
                || POOL_PARAMETERS.contains(key)
                || DriverParameters.LIBPQ_NAMES.containsKey(key) || DriverParameters.LIBPQ_UNSERVED.contains(key)
                || DriverParameters.ALLOWED.contains(key) || DriverParameters.REFUSED.contains(key)
                || DriverParameters.OWNED.contains(key);
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
            case "load_balance_hosts" -> parameters.put("loadBalanceHosts", switch (value) {
                case "disable" -> "false";
                case "random" -> "true";
                default -> throw new IllegalArgumentException("connString: load_balance_hosts: not disable or random");
            });
            case "keepalives" -> parameters.put("tcpKeepAlive", switch (value) {
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
                    throw refused(key);
                } else if (DriverParameters.LIBPQ_UNSERVED.contains(key)) {
                    throw new IllegalArgumentException("connString: parameter '" + key + "' is a libpq parameter the "
                            + "PostgreSQL JDBC driver has no equivalent for");
                } else {
                    String named = isKnown(key) ? "parameter '" + key + "'" : "query parameter " + position.getAsInt();
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
                throw new IllegalArgumentException("connString: host " + (n + 1) + " is a Unix-domain socket path: "
                        + "the PostgreSQL JDBC driver connects over TCP only, unless the application adds a socket "
                        + "factory (junixsocket) in code with StoreConfig.Builder.driverParameter(\"socketFactory\", …)");
            }
            if (host.isEmpty() && names.length == 1) {
                return;
            }
            if (!StoreConfig.isHostName(host)) {
                throw new IllegalArgumentException("connString: host " + (n + 1)
                        + " is not a host name or an IP address" + ENCODING_HINT);
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
                throw new IllegalArgumentException("connString: port " + (n + 1) + " is not a number between 1 and "
                        + "65535" + ENCODING_HINT);
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
            String name = eq < 0 ? null : unescape(setting.substring(0, eq)).replace('-', '_').toLowerCase(Locale.ROOT);
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
            throw new IllegalArgumentException("connString: " + key + " must be a positive " + (fractional ? "" : "whole ")
                    + "number of seconds (the store always bounds connecting)");
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
