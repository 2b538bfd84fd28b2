package dev.compozy.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.IndexProfile;
import dev.compozy.store.Store;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.Fixtures;
import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one task write costs under each index profile, counted in the WAL (pg_walinspect) and in the
 * transaction's HOT counter: counts that follow from the catalogs, never timings.
 */
@ExtendWith(PostgresExtension.class)
class IndexProfileWriteCostTest {
    /** B-tree records that add an entry to a leaf: a plain insert, one into a posting list, or a split's. */
    private static final String INDEX_ENTRIES = """
            SELECT coalesce(sum(count) FILTER (WHERE kind IN ('Btree/INSERT_LEAF', 'Btree/INSERT_POST',
                                                               'Btree/SPLIT_L', 'Btree/SPLIT_R')), 0),
                   coalesce(sum(record_size), 0)
            FROM pg_get_wal_stats(?::pg_lsn, ?::pg_lsn, true)
                 AS w(kind, count, count_percentage, record_size, record_size_percentage, fpi_size,
                      fpi_size_percentage, combined_size, combined_size_percentage)""";

    private static Profile standard;
    private static Profile lean;

    /** A store on a database of its own, migrated to one profile, with a RUNNING parent task. */
    private record Profile(String database, Store store, TaskState parent) {
        TaskRepository tasks() {
            return store.taskRepository();
        }
    }

    /** The B-tree entries and the WAL record bytes (full-page images left out) of one write. */
    private record Cost(long indexEntries, long walBytes) {}

    @BeforeAll
    static void openStores() throws SQLException {
        try (Connection connection = TestDatabase.get().connect(TestDatabase.SHARED_DATABASE)) {
            Assumptions.assumeTrue(
                    connection.getMetaData().getDatabaseMajorVersion() >= 15,
                    "pg_walinspect, which counts the index entries and WAL of a write, comes with PostgreSQL 15");
        }
        standard = open("cost_default", IndexProfile.DEFAULT);
        lean = open("cost_lean", IndexProfile.LEAN);
    }

    @AfterAll
    static void closeStores() {
        if (standard != null) {
            standard.store().close();
        }
        if (lean != null) {
            lean.store().close();
        }
    }

    private static Profile open(String name, IndexProfile profile) throws SQLException {
        TestDatabase db = TestDatabase.get();
        db.createDatabase(name);
        Store store = Store.open(
                db.config(name).autoMigrate(true).indexProfile(profile).build());
        try (Connection connection = db.connect(name);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
        }
        WorkflowExecution execution = Fixtures.execution(store.workflowRepository());
        TaskState parent = store.taskRepository()
                .upsertState(Fixtures.task(execution, "fan-out")
                        .status(Status.RUNNING)
                        .build());
        return new Profile(name, store, parent);
    }

    @Test
    void creatingAPendingChildWritesSevenIndexEntriesUnderLeanAndTwentySixUnderTheDefault() throws SQLException {
        Cost standardCost = cost(
                standard,
                () -> standard.tasks()
                        .upsertState(Fixtures.child(standard.parent(), "item").build()));
        Cost leanCost = cost(
                lean,
                () -> lean.tasks()
                        .upsertState(Fixtures.child(lean.parent(), "item").build()));

        assertThat(standardCost.indexEntries()).isEqualTo(26);
        assertThat(leanCost.indexEntries()).isEqualTo(7);
        assertThat(leanCost.walBytes()).isLessThan(standardCost.walBytes() * 6 / 10);
    }

    @Test
    void completingATaskWritesFiveIndexEntriesUnderLeanAndTwentySevenUnderTheDefault() throws SQLException {
        TaskState standardChild = standard.tasks()
                .upsertState(Fixtures.child(standard.parent(), "done").build());
        TaskState leanChild =
                lean.tasks().upsertState(Fixtures.child(lean.parent(), "done").build());

        Cost standardCost = cost(standard, () -> standard.tasks().upsertState(completed(standardChild)));
        Cost leanCost = cost(lean, () -> lean.tasks().upsertState(completed(leanChild)));

        assertThat(standardCost.indexEntries()).isEqualTo(27);
        assertThat(leanCost.indexEntries()).isEqualTo(5);
        assertThat(leanCost.walBytes()).isLessThan(standardCost.walBytes() * 6 / 10);
    }

    @Test
    void aWriteThatKeepsTheStatusIsHotUnderLeanOnlyBecauseUpdatedAtIsInNoLeanIndex() throws SQLException {
        TaskState standardTask = standard.tasks()
                .upsertState(Fixtures.child(standard.parent(), "step")
                        .status(Status.RUNNING)
                        .build());
        TaskState leanTask = lean.tasks()
                .upsertState(Fixtures.child(lean.parent(), "step")
                        .status(Status.RUNNING)
                        .build());

        assertThat(hotUpdates(standard, progressed(standardTask))).isZero();
        assertThat(hotUpdates(lean, progressed(leanTask))).isEqualTo(1);
        assertThat(cost(lean, () -> lean.tasks().upsertState(progressed(leanTask)))
                        .indexEntries())
                .isZero();
    }

    @Test
    void underLeanASameStatusWriteStaysOnAPageFilledByInsertsInTheRoomTheFillfactorLeaves() throws SQLException {
        List<TaskState> children = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            children.add(Fixtures.child(lean.parent(), "batch-" + i)
                    .status(Status.RUNNING)
                    .input(Map.of("prompt", "p".repeat(160)))
                    .build());
        }
        lean.tasks().createChildStatesInTransaction(lean.parent().taskExecId(), children);
        TaskState first = lean.tasks().getState(children.get(0).taskExecId());
        // About 400 bytes a row: a page filled to 90% holds 18, and at 100% would have no room for a new version.
        assertThat(rowsOnThePageOf(lean, first))
                .as("rows on the first task's page")
                .isGreaterThanOrEqualTo(15);

        assertThat(hotUpdates(lean, progressed(first))).isEqualTo(1);
    }

    private static TaskState completed(TaskState task) {
        return task.toBuilder()
                .status(Status.SUCCESS)
                .output(Map.of("result", "o".repeat(100)))
                .build();
    }

    private static TaskState progressed(TaskState task) {
        return task.toBuilder()
                .input(Map.of("prompt", "p".repeat(160), "step", 2))
                .build();
    }

    /** How many HOT updates the write made: the backend's counter before and after it, in one transaction. */
    private static long hotUpdates(Profile profile, TaskState state) {
        return profile.tasks().fromTx(tx -> {
            long before = tx.withConnection(IndexProfileWriteCostTest::hotCounter);
            profile.tasks().upsertState(tx, state);
            return tx.withConnection(IndexProfileWriteCostTest::hotCounter) - before;
        });
    }

    /** The backend's HOT updates of task_states not yet reported to the statistics: this one's among them. */
    private static long hotCounter(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs =
                        statement.executeQuery("SELECT pg_stat_get_xact_tuples_hot_updated('task_states'::regclass)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** How many rows share the heap page of the task's row. */
    private static int rowsOnThePageOf(Profile profile, TaskState task) throws SQLException {
        try (Connection connection = TestDatabase.get().connect(profile.database());
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT count(*) FROM task_states
                        WHERE (ctid::text::point)[0] = (SELECT (ctid::text::point)[0] FROM task_states WHERE task_exec_id = ?)""")) {
            statement.setString(1, task.taskExecId());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private interface Write {
        void run();
    }

    private static Cost cost(Profile profile, Write write) throws SQLException {
        TestDatabase db = TestDatabase.get();
        try (Connection connection = db.connect(profile.database());
                Statement statement = connection.createStatement()) {
            String start = lsn(statement);
            write.run();
            String end = lsn(statement);
            // pg_walinspect reads only flushed WAL, and the test server commits asynchronously: a synchronous
            // commit of a transaction that wrote WAL (a logical message) flushes every record up to end.
            connection.setAutoCommit(false);
            statement.execute("SET LOCAL synchronous_commit = on");
            statement.execute("SELECT pg_logical_emit_message(true, 'compozy-store-test', 'flush')");
            connection.commit();
            connection.setAutoCommit(true);
            try (PreparedStatement stats = connection.prepareStatement(INDEX_ENTRIES)) {
                stats.setString(1, start);
                stats.setString(2, end);
                try (ResultSet rs = stats.executeQuery()) {
                    rs.next();
                    return new Cost(rs.getLong(1), rs.getLong(2));
                }
            }
        }
    }

    private static String lsn(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
