package dev.compozy.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Migrations;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Liquibase changelog builds exactly the original Go store's schema, rolls back, and adopts one. */
@ExtendWith(PostgresExtension.class)
class SchemaMigrationTest {
    private static final String COLUMNS = """
            SELECT table_name, ordinal_position, column_name, data_type, is_nullable, coalesce(column_default, '')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name IN ('workflow_states', 'task_states')
            ORDER BY table_name, ordinal_position""";
    private static final String CONSTRAINTS = """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid IN ('workflow_states'::regclass, 'task_states'::regclass)
            ORDER BY 1, 2""";
    private static final String INDEXES = """
            SELECT tablename, indexname, indexdef
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename IN ('workflow_states', 'task_states')
            ORDER BY 1, 2""";
    private static final String OUR_TABLES = """
            SELECT count(*) FROM information_schema.tables
            WHERE table_schema = 'public' AND table_name IN ('workflow_states', 'task_states')""";

    /** What 005-task-leases adds on top of the Go store's schema. */
    private static final List<String> LEASE_COLUMNS =
            List.of("lease_owner", "lease_expires_at", "fencing_token", "attempts");

    private static final String LEASE_INDEX = "idx_task_states_running_leases";

    @Test
    void changelogBuildsTheCatalogOfTheOriginalSchema(TestDatabase db) throws Exception {
        String original = db.createDatabase("schema_original");
        String migrated = db.createDatabase("schema_migrated");
        runScript(db, original, originalSchema());

        Migrations.update(db.dataSource(migrated));

        Catalog goStore = catalog(db, original);
        assertThat(goStore.columns().size()
                        + goStore.constraints().size()
                        + goStore.indexes().size())
                .isEqualTo(63);
        assertThat(catalog(db, migrated).withoutLeases()).isEqualTo(goStore);
        assertThat(catalog(db, migrated).withoutLeases().indexes()).hasSize(34);
        assertThat(catalog(db, migrated).constraints())
                .extracting(row -> row.get(1))
                .containsExactly(
                        "chk_execution_type_consistency",
                        "fk_parent_task",
                        "fk_workflow",
                        "task_states_pkey",
                        "workflow_states_pkey");
    }

    @Test
    void theLeaseChangeSetAddsFourColumnsWithDefaultsAndAPartialIndexAfterTheGoStoresColumns(TestDatabase db)
            throws Exception {
        String name = db.createDatabase("schema_leases");

        Migrations.update(db.dataSource(name));

        Catalog catalog = catalog(db, name);
        assertThat(catalog.columns())
                .filteredOn(row -> LEASE_COLUMNS.contains(row.get(2)))
                .containsExactly(
                        List.of("task_states", "17", "lease_owner", "text", "YES", ""),
                        List.of("task_states", "18", "lease_expires_at", "timestamp with time zone", "YES", ""),
                        List.of("task_states", "19", "fencing_token", "bigint", "NO", "0"),
                        List.of("task_states", "20", "attempts", "integer", "NO", "0"));
        assertThat(catalog.indexes())
                .filteredOn(row -> row.get(1).equals(LEASE_INDEX))
                .singleElement()
                .satisfies(row -> assertThat(row.get(2))
                        .isEqualTo("CREATE INDEX " + LEASE_INDEX
                                + " ON public.task_states USING btree (workflow_exec_id) WHERE ((status = 'RUNNING'::text)"
                                + " AND (lease_owner IS NOT NULL))"));
    }

    @Test
    void rollingBackTheLeaseChangeSetGivesBackExactlyTheGoStoresCatalog(TestDatabase db) throws Exception {
        String original = db.createDatabase("schema_lease_original");
        String name = db.createDatabase("schema_lease_rollback");
        runScript(db, original, originalSchema());
        Migrations.update(db.dataSource(name));

        Migrations.rollback(db.dataSource(name), 1);

        assertThat(catalog(db, name)).isEqualTo(catalog(db, original));
    }

    @Test
    void rollingBackEveryChangeSetLeavesNoTableAndTheChangelogAppliesAgain(TestDatabase db) throws Exception {
        String name = db.createDatabase("schema_rollback");
        Migrations.update(db.dataSource(name));
        Catalog first = catalog(db, name);

        Migrations.rollback(db.dataSource(name), 5);
        assertThat(count(db, name, OUR_TABLES)).isZero();
        assertThat(count(db, name, "SELECT count(*) FROM databasechangelog")).isZero();

        Migrations.update(db.dataSource(name));
        assertThat(catalog(db, name)).isEqualTo(first);
    }

    @Test
    void eachChangeSetRollsBackOnItsOwn(TestDatabase db) throws Exception {
        String name = db.createDatabase("schema_stepwise");
        Migrations.update(db.dataSource(name));

        Migrations.rollback(db.dataSource(name), 1);
        assertThat(catalog(db, name).indexNames())
                .doesNotContain(LEASE_INDEX)
                .contains("idx_task_states_parent_state_task_created_desc");
        assertThat(catalog(db, name).columns()).noneMatch(row -> LEASE_COLUMNS.contains(row.get(2)));
        Migrations.rollback(db.dataSource(name), 1);
        assertThat(catalog(db, name).indexNames())
                .doesNotContain(
                        "idx_task_states_parent_state_task_created_desc",
                        "idx_task_states_workflow_exec_id_status",
                        "idx_task_states_parent_state_output_not_null");
        Migrations.rollback(db.dataSource(name), 1);
        assertThat(catalog(db, name).indexNames())
                .doesNotContain(
                        "idx_task_states_workflow_exec_id_parent_null",
                        "idx_task_states_parent_state_id_workflow_exec_id")
                .contains("idx_task_states_parent_status");
        Migrations.rollback(db.dataSource(name), 1);
        assertThat(count(db, name, OUR_TABLES)).isEqualTo(1);
        Migrations.rollback(db.dataSource(name), 1);
        assertThat(count(db, name, OUR_TABLES)).isZero();
    }

    @Test
    void applyingTheChangelogTwiceChangesNothing(TestDatabase db) throws Exception {
        String name = db.createDatabase("schema_twice");
        Migrations.update(db.dataSource(name));
        Catalog once = catalog(db, name);

        Migrations.update(db.dataSource(name));

        assertThat(catalog(db, name)).isEqualTo(once);
        assertThat(count(db, name, "SELECT count(*) FROM databasechangelog")).isEqualTo(5);
    }

    @Test
    void processesMigratingTheSameEmptyDatabaseAtOnceAllSucceed(TestDatabase db) throws Exception {
        String name = db.createDatabase("schema_concurrent");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Void>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Void> migrate = () -> {
                    Migrations.update(db.dataSource(name));
                    return null;
                };
                runs.add(pool.submit(migrate));
            }
            for (Future<Void> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(count(db, name, "SELECT count(*) FROM databasechangelog")).isEqualTo(5);
        assertThat(count(db, name, OUR_TABLES)).isEqualTo(2);
    }

    @Test
    void aDatabaseCreatedByTheGoStoreIsAdoptedWithItsRows(TestDatabase db) throws Exception {
        String name = db.createDatabase("schema_adopted");
        runScript(db, name, originalSchema());
        runScript(db, name, """
                INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, input)
                VALUES ('wf-1', 'etl', 'RUNNING', '{"k": 1}');
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id)
                VALUES ('task', 'PENDING', 't-1', 'extract', 'wf-1', 'etl');
                """);
        Catalog before = catalog(db, name);

        Migrations.update(db.dataSource(name));

        assertThat(catalog(db, name).withoutLeases()).isEqualTo(before);
        assertThat(count(
                        db,
                        name,
                        "SELECT count(*) FROM task_states WHERE task_exec_id = 't-1'"
                                + " AND fencing_token = 0 AND attempts = 0 AND lease_owner IS NULL"))
                .isEqualTo(1);
        assertThat(count(db, name, "SELECT count(*) FROM workflow_states WHERE input = '{\"k\": 1}'"))
                .isEqualTo(1);
        assertThat(count(db, name, "SELECT count(*) FROM databasechangelog")).isEqualTo(5);
    }

    /**
     * DATABASECHANGELOG as the store's releases up to 4ed3050 wrote it, applying changelog/db.changelog-master.xml
     * from the class path (read from a database migrated by that jar): the identities (id, author, filename)
     * and checksums a moved changelog must keep.
     */
    private static final List<List<String>> FORMER_PATH_ROWS = List.of(
            List.of(
                    "001-workflow-states",
                    "compozy-store",
                    "compozy-store/changes/001-workflow-states.xml",
                    "9:b83ca85d0468d444859a37bdd5044535"),
            List.of(
                    "002-task-states",
                    "compozy-store",
                    "compozy-store/changes/002-task-states.xml",
                    "9:464d5bf0909e31adbe4faf65237e9f8f"),
            List.of(
                    "003-task-hierarchy-indexes",
                    "compozy-store",
                    "compozy-store/changes/003-task-hierarchy-indexes.xml",
                    "9:6fe031991815b64e93d21c8714481e70"),
            List.of(
                    "004-task-hot-path-indexes",
                    "compozy-store",
                    "compozy-store/changes/004-task-hot-path-indexes.xml",
                    "9:740c5c1881c1f61b07e01f51deb57729"),
            List.of(
                    "005-task-leases",
                    "compozy-store",
                    "compozy-store/changes/005-task-leases.xml",
                    "9:fd3e7425c8ef805f66a25e87602c3c06"));

    private static final String APPLIED_ROWS =
            "SELECT id, author, filename, md5sum, dateexecuted::text FROM databasechangelog ORDER BY orderexecuted";

    @Test
    void aDatabaseMigratedFromTheFormerChangelogPathFindsNothingPendingUnderTheJarsPath(TestDatabase db)
            throws Exception {
        String name = db.createDatabase("schema_former_path");
        try (Connection connection = db.connect(name)) {
            Database database =
                    DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
            Scope.child(
                    Scope.Attr.resourceAccessor.name(),
                    new DirectoryResourceAccessor(Path.of("..")),
                    () -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
                            .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                            .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "changelog/db.changelog-master.xml")
                            .execute());
        }
        List<List<String>> applied;
        try (Connection connection = db.connect(name)) {
            applied = TestDatabase.rows(connection, APPLIED_ROWS);
        }
        assertThat(applied).extracting(row -> row.subList(0, 4)).isEqualTo(FORMER_PATH_ROWS);

        Migrations.update(db.dataSource(name));

        try (Connection connection = db.connect(name)) {
            assertThat(TestDatabase.rows(connection, APPLIED_ROWS))
                    .as("nothing ran again, nothing was added")
                    .isEqualTo(applied);
        }
    }

    record Catalog(List<List<String>> columns, List<List<String>> constraints, List<List<String>> indexes) {
        List<String> indexNames() {
            return indexes.stream().map(row -> row.get(1)).toList();
        }

        /** The catalog without what 005-task-leases adds: the Go store's items. */
        Catalog withoutLeases() {
            return new Catalog(
                    columns.stream()
                            .filter(row -> !LEASE_COLUMNS.contains(row.get(2)))
                            .toList(),
                    constraints,
                    indexes.stream()
                            .filter(row -> !row.get(1).equals(LEASE_INDEX))
                            .toList());
        }
    }

    private static Catalog catalog(TestDatabase db, String database) throws SQLException {
        try (Connection connection = db.connect(database)) {
            return new Catalog(
                    TestDatabase.rows(connection, COLUMNS),
                    TestDatabase.rows(connection, CONSTRAINTS),
                    TestDatabase.rows(connection, INDEXES));
        }
    }

    private static long count(TestDatabase db, String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void runScript(TestDatabase db, String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String originalSchema() throws IOException {
        try (InputStream in = SchemaMigrationTest.class.getResourceAsStream("/original-schema.sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
