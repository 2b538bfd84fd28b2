package dev.compozy.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.IndexProfile;
import dev.compozy.store.Migrations;
import dev.compozy.store.Store;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The two index profiles build the catalogs src/site/index-profile.md lists, and the lean one comes and goes. */
@ExtendWith(PostgresExtension.class)
class IndexProfileTest {
    private static final Path DOCUMENT = Path.of("../src/site/index-profile.md");
    private static final String INDEXES = """
            SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename IN ('workflow_states', 'task_states')
            ORDER BY 1""";
    private static final String FILLFACTOR = "SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class"
            + " WHERE oid = 'task_states'::regclass";

    @Test
    void theDefaultProfileBuildsTheIndexesTheDocumentListsAndLeavesTheLeanChangeSetOut(TestDatabase db)
            throws Exception {
        String name = db.createDatabase("profile_default");

        Migrations.update(db.dataSource(name));

        assertThat(indexNames(db, name)).containsExactlyElementsOf(documented(2));
        assertThat(single(db, name, "SELECT count(*) FROM databasechangelog WHERE id = '006-lean-index-profile'"))
                .isEqualTo("0");
        assertThat(single(db, name, FILLFACTOR)).isEmpty();
    }

    @Test
    void theLeanProfileBuildsTheIndexesTheDocumentListsOnAFreshDatabase(TestDatabase db) throws Exception {
        String name = db.createDatabase("profile_lean");

        Migrations.update(db.dataSource(name), IndexProfile.LEAN);

        assertThat(indexNames(db, name)).containsExactlyElementsOf(documented(3));
        assertThat(single(db, name, FILLFACTOR)).isEqualTo("fillfactor=90");
    }

    @Test
    void aDefaultDatabaseWithRowsSwitchesToLeanByUpdatingWithTheLeanContext(TestDatabase db) throws Exception {
        String name = db.createDatabase("profile_switch");
        Migrations.update(db.dataSource(name));
        execute(db, name, """
                INSERT INTO workflow_states (workflow_exec_id, workflow_id, status) VALUES ('wf-1', 'etl', 'RUNNING');
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id)
                SELECT 'task', 'PENDING', 't-' || i, 'step-' || i, 'wf-1', 'etl' FROM generate_series(1, 100) i""");

        Migrations.update(db.dataSource(name), IndexProfile.LEAN);

        assertThat(indexNames(db, name)).containsExactlyElementsOf(documented(3));
        assertThat(single(db, name, "SELECT count(*) FROM task_states WHERE status = 'PENDING'"))
                .isEqualTo("100");
        assertThat(single(db, name, "SELECT count(*) FROM databasechangelog")).isEqualTo("6");
    }

    @Test
    void rollingBackTheLeanChangeSetGivesBackTheDefaultCatalog(TestDatabase db) throws Exception {
        String reference = db.createDatabase("profile_reference");
        String name = db.createDatabase("profile_rollback");
        Migrations.update(db.dataSource(reference));
        Migrations.update(db.dataSource(name), IndexProfile.LEAN);

        Migrations.rollback(db.dataSource(name), 1);

        assertThat(rows(db, name, INDEXES)).isEqualTo(rows(db, reference, INDEXES));
        assertThat(single(db, name, FILLFACTOR)).isEmpty();
        assertThat(single(db, name, "SELECT count(*) FROM databasechangelog")).isEqualTo("5");
    }

    @Test
    void aLeanDatabaseStaysLeanWhenUpdatedWithTheDefaultProfile(TestDatabase db) throws Exception {
        String name = db.createDatabase("profile_stays_lean");
        Migrations.update(db.dataSource(name), IndexProfile.LEAN);

        Migrations.update(db.dataSource(name));

        assertThat(indexNames(db, name)).containsExactlyElementsOf(documented(3));
    }

    @Test
    void storeOpenMigratesToTheConfiguredProfile(TestDatabase db) throws Exception {
        String name = db.createDatabase("profile_store_open");

        try (Store store = Store.open(db.config(name)
                .autoMigrate(true)
                .indexProfile(IndexProfile.LEAN)
                .build())) {
            assertThat(store.taskRepository().listChildren("no-such-parent")).isEmpty();
        }

        assertThat(indexNames(db, name)).containsExactlyElementsOf(documented(3));
    }

    /**
     * The index names marked "yes" in the given column of the document's index table (2: default, 3: lean),
     * sorted as the catalog query sorts them.
     */
    static List<String> documented(int column) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(DOCUMENT)) {
            if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                if (cells[column].trim().equals("yes")) {
                    names.add(cells[1].trim().replace("`", ""));
                }
            }
        }
        return names.stream().sorted().toList();
    }

    private static List<String> indexNames(TestDatabase db, String database) throws SQLException {
        return rows(db, database, INDEXES).stream()
                .map(row -> row.get(0))
                .sorted()
                .toList();
    }

    private static String single(TestDatabase db, String database, String sql) throws SQLException {
        return rows(db, database, sql).get(0).get(0);
    }

    private static List<List<String>> rows(TestDatabase db, String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database)) {
            return TestDatabase.rows(connection, sql);
        }
    }

    private static void execute(TestDatabase db, String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
