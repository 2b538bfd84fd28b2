package dev.compozy.store;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * The keyword/value pairs a connection string carries, under libpq's keywords; {@link ConnectionUrl} makes
 * the store's settings of them. {@code postgres://} and {@code postgresql://} URLs are read as libpq reads
 * them (and pgx, which follows libpq): percent-decoding only, so {@code +} is a plus sign; IPv6 hosts in
 * brackets, scope included; several {@code host:port} pairs separated by commas; any part of the URL also
 * given as a query parameter. A {@code jdbc:postgresql:} URL is parsed by pgjdbc's own
 * {@link Driver#parseURL}.
 *
 * <p>No error message quotes the connection string or any part of it: a malformed URL is most often a
 * password with an unencoded {@code /}, {@code @} or {@code &}, and the part quoted would be the password.
 * Errors name a position or a parameter instead.
 */
final class ConnectionKeywords {
    private static final String POSTGRESQL = "postgresql://";
    private static final String POSTGRES = "postgres://";
    static final String JDBC = "jdbc:postgresql:";
    static final String ENCODING_HINT =
            " (a '/', '@', ':', '?', '&', '=', '%' or space inside a user name, password or value must be percent-encoded)";

    private ConnectionKeywords() {}

    /** @throws IllegalArgumentException starting with {@code connString:}, quoting nothing of the URL */
    static Map<String, String> of(String connString) {
        if (connString.startsWith(JDBC)) {
            return jdbc(connString);
        }
        if (connString.startsWith(POSTGRESQL) || connString.startsWith(POSTGRES)) {
            return libpq(connString);
        }
        throw new IllegalArgumentException(
                "connString: expected a URL starting with postgres://, postgresql:// or " + "jdbc:postgresql:");
    }

    /** Where in the query a parameter stands (1 for the first), so that an error can point at it unquoted. */
    static int queryPosition(String connString, String key) {
        int query = connString.indexOf('?');
        String[] pairs =
                query < 0 ? new String[0] : connString.substring(query + 1).split("&", -1);
        int found = 0;
        for (int n = 0; n < pairs.length; n++) {
            String name = pairs[n].split("=", 2)[0].strip();
            try {
                if (name.equals(key)
                        || URLDecoder.decode(name, StandardCharsets.UTF_8).equals(key)) {
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
    private static Map<String, String> libpq(String connString) {
        String rest = connString.startsWith(POSTGRESQL)
                ? connString.substring(POSTGRESQL.length())
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
                throw new IllegalArgumentException(
                        "connString: the database name contains an unencoded '/' or '@'" + ENCODING_HINT);
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
            String named = DriverParameters.isKnown(key) ? "query parameter '" + key + "'" : where;
            if (pairs[n].indexOf('=', eq + 1) >= 0) {
                throw new IllegalArgumentException(
                        "connString: the value of " + named + " has a second '='" + ENCODING_HINT);
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
    private static Map<String, String> jdbc(String connString) {
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
                    throw new IllegalArgumentException(
                            "connString: the port of host " + (n + 1) + " is not a number" + ENCODING_HINT);
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
                    throw DriverParameters.refused(key);
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
}
