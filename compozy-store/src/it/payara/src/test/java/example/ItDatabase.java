package example;

import dev.compozy.store.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL of this test, found as the store's own suite finds it: the server in
 * {@code COMPOZY_TEST_JDBC_URL} (user and password as URL parameters or in {@code COMPOZY_TEST_JDBC_USER} /
 * {@code COMPOZY_TEST_JDBC_PASSWORD}), else an embedded PostgreSQL. The test works in a database of its own,
 * created fresh and migrated with the store's changelog.
 */
final class ItDatabase implements AutoCloseable {
    static final String DATABASE = "compozy_payara_it";

    private final String serverUrl;
    private final Properties credentials;
    private final EmbeddedPostgres embedded;

    private ItDatabase(String serverUrl, Properties credentials, EmbeddedPostgres embedded) {
        this.serverUrl = serverUrl;
        this.credentials = credentials;
        this.embedded = embedded;
    }

    static ItDatabase start() throws IOException, SQLException {
        String url = System.getenv("COMPOZY_TEST_JDBC_URL");
        ItDatabase database;
        if (url != null && !url.isBlank()) {
            Properties credentials = new Properties();
            credentials.setProperty("user", envOr("COMPOZY_TEST_JDBC_USER", "postgres"));
            credentials.setProperty("password", envOr("COMPOZY_TEST_JDBC_PASSWORD", ""));
            database = new ItDatabase(url, credentials, null);
        } else {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            Properties credentials = new Properties();
            credentials.setProperty("user", "postgres");
            credentials.setProperty("password", "");
            database = new ItDatabase(embedded.getJdbcUrl("postgres", "postgres"), credentials, embedded);
        }
        database.recreate();
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(database.url());
        dataSource.setUser(database.user());
        dataSource.setPassword(database.password());
        Migrations.update(dataSource);
        return database;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    private void recreate() throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl, credentials);
                Statement statement = connection.createStatement()) {
            try (PreparedStatement terminate = connection.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                terminate.setString(1, DATABASE);
                terminate.execute();
            }
            // Identifiers cannot be bound as parameters; DATABASE is a constant plain identifier.
            statement.execute("DROP DATABASE IF EXISTS " + DATABASE);
            statement.execute("CREATE DATABASE " + DATABASE);
        }
    }

    /** The JDBC URL of the test's database, with the batched inserts the store's documentation asks for. */
    String url() {
        int query = serverUrl.indexOf('?');
        String path = query < 0 ? serverUrl : serverUrl.substring(0, query);
        String parameters = query < 0 ? "" : serverUrl.substring(query + 1) + "&";
        return path.substring(0, path.lastIndexOf('/')) + "/" + DATABASE + "?" + parameters
                + "reWriteBatchedInserts=true";
    }

    String user() {
        return credentials.getProperty("user");
    }

    String password() {
        return credentials.getProperty("password");
    }

    long count(String sql, String parameter) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url(), credentials);
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
