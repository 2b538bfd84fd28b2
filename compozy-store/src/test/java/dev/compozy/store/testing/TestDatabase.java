package dev.compozy.store.testing;

import dev.compozy.store.Migrations;
import dev.compozy.store.StoreConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL server of a test run, found once per JVM in this order:
 * <ol>
 *   <li>the JDBC URL in {@value #URL_VARIABLE} (user and password as URL parameters or in
 *       {@code COMPOZY_TEST_JDBC_USER} / {@code COMPOZY_TEST_JDBC_PASSWORD});</li>
 *   <li>a Testcontainers {@code postgres:17} container, when a Docker engine answers;</li>
 *   <li>an embedded PostgreSQL 17 (zonky binaries from Maven Central).</li>
 * </ol>
 * Every run works in a database of its own, {@value #SHARED_DATABASE}, created fresh and migrated once;
 * tests that need an empty database get another one from {@link #createDatabase}.
 */
public final class TestDatabase {
    public static final String URL_VARIABLE = "COMPOZY_TEST_JDBC_URL";
    public static final String SHARED_DATABASE = "compozy_store_test";

    /**
     * The role the tests' stores log in as, with a password made fresh for every run, so that
     * {@link SecretLeakGuard} can look for it in everything the suite logs. (With trust authentication the
     * server never asks for it; the store handles it all the same.)
     */
    public static final String APP_USER = "compozy_app";

    public static final String APP_PASSWORD =
            "cz" + java.util.UUID.randomUUID().toString().replace("-", "");

    private static TestDatabase instance;

    private final String kind;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String adminDatabase;
    private final Runnable shutdown;

    private TestDatabase(
            String kind, String host, int port, String user, String password, String adminDatabase, Runnable shutdown) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.adminDatabase = adminDatabase;
        this.shutdown = shutdown;
    }

    /** The run's server, started on first use and stopped when the JVM exits. */
    public static synchronized TestDatabase get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance.shutdown, "stop-test-postgres"));
            instance.createAppRole();
            instance.recreate(SHARED_DATABASE);
            Migrations.update(instance.dataSource(SHARED_DATABASE));
            System.out.println("[compozy-store tests] PostgreSQL from " + instance.kind + " at " + instance.host + ":"
                    + instance.port + ", server " + instance.serverVersion());
        }
        return instance;
    }

    private static TestDatabase start() {
        String url = System.getenv(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            StoreConfig parsed = StoreConfig.builder()
                    .connString(url)
                    .user(envOr("COMPOZY_TEST_JDBC_USER", "postgres"))
                    .password(envOr("COMPOZY_TEST_JDBC_PASSWORD", ""))
                    .build();
            return new TestDatabase(
                    "environment (" + URL_VARIABLE + ")",
                    parsed.host(),
                    parsed.port(),
                    parsed.user(),
                    parsed.password(),
                    parsed.dbName(),
                    () -> {});
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17");
            container.start();
            return new TestDatabase(
                    "Testcontainers",
                    container.getHost(),
                    container.getFirstMappedPort(),
                    container.getUsername(),
                    container.getPassword(),
                    container.getDatabaseName(),
                    container::stop);
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            return new TestDatabase(
                    "embedded PostgreSQL",
                    "localhost",
                    embedded.getPort(),
                    "postgres",
                    "",
                    "postgres",
                    () -> closeQuietly(embedded));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start embedded PostgreSQL", e);
        }
    }

    private static boolean dockerAvailable() {
        boolean configured = System.getenv("DOCKER_HOST") != null
                || new java.io.File("/var/run/docker.sock").exists()
                || new java.io.File(System.getProperty("user.home"), ".testcontainers.properties").exists();
        if (!configured) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    private static void closeQuietly(EmbeddedPostgres embedded) {
        try {
            embedded.close();
        } catch (IOException e) {
            System.err.println("could not stop embedded PostgreSQL: " + e.getMessage());
        }
    }

    /** Which of the three sources the server came from. */
    public String kind() {
        return kind;
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

    public String password() {
        return password;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** Settings for a store on the given database of this server, as {@link #APP_USER}. */
    public StoreConfig.Builder config(String database) {
        return StoreConfig.builder()
                .host(host)
                .port(port)
                .user(APP_USER)
                .password(APP_PASSWORD)
                .dbName(database);
    }

    private void createAppRole() {
        try (Connection connection = connect(adminDatabase);
                Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + APP_USER
                    + "') THEN CREATE ROLE " + APP_USER + " LOGIN SUPERUSER; END IF; END $$");
            // ALTER ROLE takes no bound parameters; the password is generated above from [0-9a-z].
            statement.execute("ALTER ROLE " + APP_USER + " PASSWORD '" + APP_PASSWORD + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test role " + APP_USER + ": " + e.getMessage(), e);
        }
    }

    public StoreConfig config() {
        return config(SHARED_DATABASE).maxPoolSize(24).build();
    }

    /** An unpooled data source on the given database. */
    public PGSimpleDataSource dataSource(String database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {host});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName(database);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        dataSource.setReWriteBatchedInserts(true);
        return dataSource;
    }

    public Connection connect(String database) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    /** Every row of {@code sql}, each column as text: catalogs and bookkeeping tables compared whole. */
    public static List<List<String>> rows(Connection connection, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Creates an empty database (dropping one of that name first) and returns its name. */
    public String createDatabase(String name) {
        recreate(name);
        return name;
    }

    private void recreate(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name: '" + name + "' is not a plain identifier");
        }
        try (Connection connection = connect(adminDatabase);
                Statement statement = connection.createStatement()) {
            try (var terminate = connection.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                terminate.setString(1, name);
                terminate.execute();
            }
            // Identifiers cannot be bound as parameters; the name is checked against a plain pattern above.
            statement.execute("DROP DATABASE IF EXISTS " + name);
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create database " + name + " on " + kind + ": " + e.getMessage(), e);
        }
    }

    private String serverVersion() {
        try (Connection connection = connect(SHARED_DATABASE);
                Statement statement = connection.createStatement();
                var rows = statement.executeQuery("SHOW server_version")) {
            rows.next();
            return rows.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
