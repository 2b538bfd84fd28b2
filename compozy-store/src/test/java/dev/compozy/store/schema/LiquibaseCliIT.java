package dev.compozy.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Migrations;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Liquibase CLI commands as a user with the published jar runs them: the CLI entry point
 * ({@code liquibase.integration.commandline.LiquibaseCommandLine}) in a JVM of its own, in an empty
 * directory, with nothing on its class path but the built store jar and the jars the README names
 * (copied by the build into {@code target/liquibase-cli/VERSION}), once with the Liquibase the store is
 * built with and once with a 4.2x one. Neither has a network to fetch a schema from.
 */
@ExtendWith(PostgresExtension.class)
class LiquibaseCliIT {
    private static final String CHANGELOG = "--changelog-file=" + Migrations.CHANGELOG;

    @TempDir
    Path emptyDirectory;

    private record Run(int exitCode, String output) {}

    private Run liquibase(String version, TestDatabase db, String database, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath(version),
                "liquibase.integration.commandline.LiquibaseCommandLine",
                CHANGELOG,
                "--url=" + db.jdbcUrl(database),
                "--username=" + db.user(),
                "--password=" + db.password()));
        args.addAll(List.of(command));
        Process process = new ProcessBuilder(args)
                .directory(emptyDirectory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("liquibase " + String.join(" ", command) + " did not finish: " + output);
        }
        return new Run(process.exitValue(), output);
    }

    /** The store's jar and every jar in target/liquibase-cli/VERSION, and nothing else. */
    private static String classPath(String version) throws IOException {
        List<String> jars = new ArrayList<>();
        jars.add(System.getProperty("compozy.store.jar"));
        try (Stream<Path> copied = Files.list(Path.of(System.getProperty("compozy.liquibase.cli"), version))) {
            copied.map(Path::toString).sorted().forEach(jars::add);
        }
        assertThat(jars).hasSize(6).allMatch(jar -> Files.isRegularFile(Path.of(jar)));
        return String.join(File.pathSeparator, jars);
    }

    private static long count(TestDatabase db, String database, String sql) throws Exception {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static final String OUR_TABLES =
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                    + " AND table_name IN ('workflow_states', 'task_states')";
    private static final String APPLIED = "SELECT count(*) FROM databasechangelog";

    @Test
    void statusUpdateSqlUpdateAndRollbackCountDoWhatTheReadmeSays(TestDatabase db) throws Exception {
        String version = "4.33.0";
        String name = db.createDatabase("liquibase_cli");

        Run status = liquibase(version, db, name, "status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("5 changesets have not been applied");

        Run updateSql = liquibase(version, db, name, "update-sql");
        assertThat(updateSql.exitCode()).as(updateSql.output()).isZero();
        assertThat(updateSql.output())
                .contains(
                        "CREATE TABLE workflow_states",
                        "CREATE TABLE task_states",
                        "idx_task_states_parent_state_task_created_desc",
                        "idx_task_states_running_leases");
        assertThat(count(db, name, OUR_TABLES)).as("update-sql changes nothing").isZero();

        Run update = liquibase(version, db, name, "update");
        assertThat(update.exitCode()).as(update.output()).isZero();
        assertThat(count(db, name, OUR_TABLES)).isEqualTo(2);
        assertThat(count(db, name, APPLIED)).isEqualTo(5);
        assertThat(liquibase(version, db, name, "status").output()).contains("is up to date");

        Run rollback = liquibase(version, db, name, "rollback-count", "--count=3");
        assertThat(rollback.exitCode()).as(rollback.output()).isZero();
        assertThat(count(db, name, APPLIED)).isEqualTo(2);
        assertThat(
                        count(
                                db,
                                name,
                                "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                                        + " ('idx_task_states_workflow_exec_id_parent_null', 'idx_task_states_parent_state_task_created_desc')"))
                .isZero();

        Migrations.update(db.dataSource(name));
        assertThat(count(db, name, APPLIED))
                .as("autoMigrate sees what the CLI applied and adds the rest")
                .isEqualTo(5);
        assertThat(liquibase(version, db, name, "status").output()).contains("is up to date");
    }

    @Test
    void aLiquibase4_2xCliParsesTheChangelogOfflineAndAppliesIt(TestDatabase db) throws Exception {
        String version = "4.29.2";
        String name = db.createDatabase("liquibase_cli_4_2x");

        Run update = liquibase(version, db, name, "update");
        assertThat(update.exitCode()).as(update.output()).isZero();
        assertThat(update.output()).contains("Liquibase Version: 4.29.2");
        assertThat(count(db, name, APPLIED)).isEqualTo(5);

        Run status = liquibase(version, db, name, "status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("is up to date");
    }

    @Test
    void theLeanContextSwitchesADefaultDatabaseAndRollsBackToIt(TestDatabase db) throws Exception {
        String name = db.createDatabase("liquibase_cli_lean");
        String leanOnly = "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                + " ('idx_task_states_pending', 'idx_task_states_workflow_exec_id_pending')";
        String goOnly = "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_task_states_updated_at'";
        assertThat(liquibase("4.33.0", db, name, "update").exitCode()).isZero();

        Run lean = liquibase("4.33.0", db, name, "update", "--contexts=lean");
        assertThat(lean.exitCode()).as(lean.output()).isZero();
        assertThat(count(db, name, APPLIED)).isEqualTo(6);
        assertThat(count(db, name, leanOnly)).isEqualTo(2);
        assertThat(count(db, name, goOnly)).isZero();
        assertThat(liquibase("4.33.0", db, name, "status").output()).contains("is up to date");

        Run rollback = liquibase("4.33.0", db, name, "rollback-count", "--count=1", "--contexts=lean");
        assertThat(rollback.exitCode()).as(rollback.output()).isZero();
        assertThat(count(db, name, APPLIED)).isEqualTo(5);
        assertThat(count(db, name, leanOnly)).isZero();
        assertThat(count(db, name, goOnly)).isEqualTo(1);
        assertThat(count(
                        db, name, "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_task_states_running_leases'"))
                .as("005 stays applied")
                .isEqualTo(1);
    }
}
