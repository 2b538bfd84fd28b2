package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What an application with an SLF4J binding other than Logback (here slf4j-simple at INFO) sees while
 * the store opens, in a JVM of its own so that the logging providers are chosen as in the application:
 * everything arrives through SLF4J, nothing through java.util.logging (the child counts what reaches
 * its root handler, with Hibernate's and HikariCP's loggers open at every level).
 */
@ExtendWith(PostgresExtension.class)
class StoreLoggingTest {
    private static final String PASSWORD_VARIABLE = "STORE_LOGGING_TEST_PASSWORD";
    private static final String JUL_PREFIX = "JUL ";
    private static final List<Logger> CONFIGURED_LOGGERS = new ArrayList<>();

    private record Output(List<String> slf4j, List<String> jul) {
        /**
         * Without Hibernate's HHH000511, its warning that the server is older than its dialect's minimum
         * (PostgreSQL 14 for Hibernate 7.4): true on the oldest majors the store supports and tests (CI runs
         * the suite on 12), and Hibernate's to give, so the store leaves it at WARN.
         */
        List<String> atInfoOrAbove() {
            return slf4j.stream()
                    .filter(line -> line.matches("(INFO|WARN|ERROR) .*"))
                    .filter(line -> !line.startsWith("WARN org.hibernate.orm.core - HHH000511: "))
                    .toList();
        }
    }

    /** The child: opens (and closes) one store as its arguments say, reporting every java.util.logging record. */
    public static void main(String[] args) throws Exception {
        List<String> jul = new ArrayList<>();
        Logger root = Logger.getLogger("");
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (jul) {
                    jul.add(JUL_PREFIX + record.getLevel() + " " + record.getLoggerName() + " " + record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
        // Liquibase stays at java.util.logging's default: its first use creates Liquibase's root scope, and
        // that logs FINE lines to java.util.logging before the store's scope (and its SLF4J log) applies.
        // java.util.logging holds its loggers weakly: a logger nobody references can be collected, and its
        // level with it (then Hibernate's FINE records are dropped at random), so this class keeps them.
        for (String name : List.of("org.hibernate", "com.zaxxer")) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.ALL);
            CONFIGURED_LOGGERS.add(logger);
        }
        String mode = args[0];
        StoreConfig config = StoreConfig.builder()
                .host(args[1])
                .port(Integer.parseInt(args[2]))
                .dbName(args[3])
                .user(args[4])
                .password(System.getenv(PASSWORD_VARIABLE))
                .autoMigrate(mode.equals("migrate"))
                .build();
        if (mode.equals("external")) {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl("jdbc:postgresql://" + args[1] + ":" + args[2] + "/" + args[3]);
            dataSource.setUser(args[4]);
            dataSource.setPassword(System.getenv(PASSWORD_VARIABLE));
            Store.open(dataSource, config).close();
        } else {
            Store.open(config).close();
        }
        synchronized (jul) {
            jul.forEach(System.out::println);
        }
    }

    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static Output open(TestDatabase db, String database, String mode, String... logLevels) throws Exception {
        return open(classPath(), db, database, mode, logLevels);
    }

    private static Output open(String classPath, TestDatabase db, String database, String mode, String... logLevels)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.dev.compozy=info",
                "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari.HikariConfig=info",
                "-Dorg.slf4j.simpleLogger.showThreadName=false"));
        for (String level : logLevels) {
            command.add("-Dorg.slf4j.simpleLogger.log." + level);
        }
        command.addAll(List.of(
                StoreLoggingTest.class.getName(),
                mode,
                db.host(),
                Integer.toString(db.port()),
                database,
                TestDatabase.APP_USER));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(PASSWORD_VARIABLE, TestDatabase.APP_PASSWORD);
        Process process = builder.start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String stdout = read(process.getInputStream());
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not finish: " + stdout + stderr.getNow(""));
        }
        assertThat(process.exitValue()).as(stdout + stderr.get()).isZero();
        return new Output(
                stderr.get().lines().toList(),
                stdout.lines().filter(line -> line.startsWith(JUL_PREFIX)).toList());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void openingLogsOneInfoLineNamingHostPortDatabaseAndUserAndNothingElseAnywhere(TestDatabase db) throws Exception {
        Output output = open(db, TestDatabase.SHARED_DATABASE, "owned");

        assertThat(output.atInfoOrAbove())
                .containsExactly("INFO dev.compozy.store.Store - compozy-store opened on "
                        + db.host() + ":" + db.port() + "/" + TestDatabase.SHARED_DATABASE + " as "
                        + TestDatabase.APP_USER
                        + ", PostgreSQL " + serverVersion(db));
        assertThat(output.jul()).isEmpty();
    }

    @Test
    void hibernatesAccountOfTheBootstrapGoesToSlf4jAtDebug(TestDatabase db) throws Exception {
        Output output = open(db, TestDatabase.SHARED_DATABASE, "owned", "org.hibernate=debug");

        assertThat(output.slf4j()).anyMatch(line -> line.matches("DEBUG org\\.hibernate\\S* - HHH000001: .*"));
        assertThat(output.atInfoOrAbove()).hasSize(1);
        assertThat(output.jul()).isEmpty();
    }

    @Test
    void withoutAnSlf4jBindingHibernateStillLogsToJavaUtilLogging(TestDatabase db) throws Exception {
        String withoutBinding = Stream.of(classPath().split(File.pathSeparator))
                .filter(entry -> !entry.contains("slf4j-simple"))
                .collect(Collectors.joining(File.pathSeparator));

        Output output = open(withoutBinding, db, TestDatabase.SHARED_DATABASE, "owned");

        assertThat(output.jul())
                .as(String.join("\n", output.slf4j()))
                .anyMatch(line -> line.matches(JUL_PREFIX + "(FINE|DEBUG) org\\.hibernate\\S* HHH000001: .*"));
    }

    @Test
    void openingOnTheApplicationsDataSourceSaysSoAndNamesTheDatabaseOnly(TestDatabase db) throws Exception {
        Output output = open(db, TestDatabase.SHARED_DATABASE, "external");

        assertThat(output.atInfoOrAbove())
                .containsExactly(
                        "INFO dev.compozy.store.Store - compozy-store opened on an" + " external data source (database "
                                + TestDatabase.SHARED_DATABASE + "), PostgreSQL " + serverVersion(db));
        assertThat(output.jul()).isEmpty();
    }

    @Test
    void liquibaseReportsTheMigrationThroughSlf4j(TestDatabase db) throws Exception {
        String database = db.createDatabase("store_logging_migrate");

        Output output = open(db, database, "migrate");

        assertThat(output.atInfoOrAbove())
                .anyMatch(line -> line.startsWith("INFO liquibase."))
                .anyMatch(line -> line.startsWith("INFO liquibase.") && line.contains("005-task-leases"))
                .last()
                .asString()
                .startsWith("INFO dev.compozy.store.Store - compozy-store opened on ");
        assertThat(output.atInfoOrAbove()).noneMatch(line -> line.startsWith("ERROR") || line.startsWith("WARN"));
        assertThat(output.jul()).isEmpty();
    }

    private static String serverVersion(TestDatabase db) throws Exception {
        try (var connection = db.connect(TestDatabase.SHARED_DATABASE)) {
            return connection.getMetaData().getDatabaseProductVersion();
        }
    }
}
