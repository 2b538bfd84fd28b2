package dev.compozy.store.bench;

import dev.compozy.store.StoreConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the benchmark forks find the database {@link BenchmarkMain} prepared: system properties
 * {@code compozy.bench.*}, set by the main JVM for every fork.
 */
public final class BenchDatabase {
    static final String DATABASE = "compozy_bench";

    private BenchDatabase() {}

    private static String property(String name) {
        String value = System.getProperty("compozy.bench." + name);
        if (value == null) {
            throw new IllegalStateException(
                    "compozy.bench." + name + " is not set: run the benchmarks through BenchmarkMain");
        }
        return value;
    }

    static StoreConfig.Builder config() {
        return config(DATABASE);
    }

    static StoreConfig.Builder config(String database) {
        return StoreConfig.builder()
                .host(property("host"))
                .port(Integer.parseInt(property("port")))
                .user(property("user"))
                .password(property("password"))
                .dbName(database);
    }

    /**
     * Sessions that wait for the WAL flush at commit, overriding the benchmark database's
     * {@code synchronous_commit = off}: for comparisons where saving commits is the point.
     */
    static final String DURABLE = "-c synchronous_commit=on";

    static StoreConfig.Builder durableConfig() {
        return config().connString("jdbc:postgresql://" + property("host") + ":" + property("port") + "/" + DATABASE
                + "?options=" + java.net.URLEncoder.encode(DURABLE, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A plain driver connection, as hand-written JDBC code would open, with batch rewriting on. */
    public static Connection connect() throws SQLException {
        return connect(false);
    }

    public static Connection connect(boolean durable) throws SQLException {
        return connect(DATABASE, durable);
    }

    public static Connection connect(String database, boolean durable) throws SQLException {
        Properties properties = new Properties();
        if (durable) {
            properties.setProperty("options", DURABLE);
        }
        properties.setProperty("user", property("user"));
        properties.setProperty("password", property("password"));
        properties.setProperty("reWriteBatchedInserts", "true");
        return DriverManager.getConnection(
                "jdbc:postgresql://" + property("host") + ":" + property("port") + "/" + database, properties);
    }
}
