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
final class BenchDatabase {
    static final String DATABASE = "compozy_bench";

    private BenchDatabase() {
    }

    private static String property(String name) {
        String value = System.getProperty("compozy.bench." + name);
        if (value == null) {
            throw new IllegalStateException("compozy.bench." + name + " is not set: run the benchmarks through BenchmarkMain");
        }
        return value;
    }

    static StoreConfig.Builder config() {
        return StoreConfig.builder().host(property("host")).port(Integer.parseInt(property("port")))
                .user(property("user")).password(property("password")).dbName(DATABASE);
    }

    /** A plain driver connection, as hand-written JDBC code would open, with batch rewriting on. */
    static Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", property("user"));
        properties.setProperty("password", property("password"));
        properties.setProperty("reWriteBatchedInserts", "true");
        return DriverManager.getConnection("jdbc:postgresql://" + property("host") + ":" + property("port") + "/"
                + DATABASE, properties);
    }
}
