package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;
import tools.jackson.databind.ObjectMapper;

/**
 * The plan in {@value #PLAN} holds: its variant changelog builds the distributed schema in a tenant schema of
 * plain PostgreSQL, and every statement of the document runs there, in document order, with the parameters
 * and the row count (or the SQLState) written beside it.
 */
@ExtendWith(PostgresExtension.class)
class ShardingByExecutionPlanTest {
    private static final String PLAN = "../src/site/sharding-by-execution.md";
    private static final String VARIANT = "dev/compozy/store/db/variants/sharded-by-execution.xml";
    private static final String DATABASE = "compozy_sharding_plan_test";
    private static final String SCHEMA = "sharded";
    private static final Pattern STATEMENT =
            Pattern.compile("<!-- statement: (\\S+) \\| runs: (\\[.*?]) -->\\n```sql\\n(.*?)```", Pattern.DOTALL);

    private static TestDatabase db;

    private record Statement(String name, List<Map<String, Object>> runs, String sql) {}

    @BeforeAll
    static void migrateATenantSchemaWithTheVariant() {
        db = TestDatabase.get();
        db.createDatabase(DATABASE);
        Migrations.updateChangelog(db.dataSource(DATABASE), SCHEMA, VARIANT);
    }

    @Test
    void theVariantKeysTasksByExecutionAndTheDefaultSchemaIsUntouched() throws Exception {
        assertThat(primaryKey(DATABASE, SCHEMA + ".task_states")).isEqualTo("workflow_exec_id, task_exec_id");
        assertThat(scalar(
                        DATABASE,
                        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'fk_parent_task'"
                                + " AND connamespace = '" + SCHEMA + "'::regnamespace"))
                .isEqualTo("FOREIGN KEY (workflow_exec_id, parent_state_id) REFERENCES " + SCHEMA
                        + ".task_states(workflow_exec_id, task_exec_id) ON DELETE CASCADE");
        assertThat(scalar(DATABASE, "SELECT count(*) FROM " + SCHEMA + ".databasechangelog"))
                .isEqualTo("2");
        assertThat(Files.readString(Path.of("../changelog/db.changelog-master.xml")))
                .doesNotContain("variants");
        assertThat(primaryKey(TestDatabase.SHARED_DATABASE, "public.task_states"))
                .isEqualTo("task_exec_id");
    }

    @Test
    void everyStatementOfThePlanRunsAgainstTheVariantWithItsDocumentedOutcome() throws Exception {
        Properties properties = new Properties();
        properties.setProperty("user", db.user());
        properties.setProperty("password", db.password());
        runPlan(db.jdbcUrl(DATABASE), properties, SCHEMA);
    }

    /**
     * The same on a Citus coordinator when {@value CitusTenantsTest#URL_VARIABLE} names one: the variant's last
     * changeSet distributes both tables by execution there, so every statement meets Citus's planner.
     */
    @Test
    void everyStatementOfThePlanRunsOnCitusWithTheTablesDistributedByExecution() throws Exception {
        String url = System.getenv(CitusTenantsTest.URL_VARIABLE);
        Assumptions.assumeTrue(
                url != null && !url.isBlank(),
                CitusTenantsTest.URL_VARIABLE + " is not set: no Citus coordinator to run against");
        String schema = "sharded_plan_" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        PGSimpleDataSource citus = new PGSimpleDataSource();
        citus.setURL(url);
        try {
            Migrations.updateChangelog(citus, schema, VARIANT);
            assertThat(scalar(
                            citus,
                            "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE '" + schema
                                    + ".%' AND partkey IS NOT NULL"))
                    .isEqualTo("2");
            runPlan(url, new Properties(), schema);
        } finally {
            try (Connection admin = citus.getConnection();
                    java.sql.Statement drop = admin.createStatement()) {
                drop.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static void runPlan(String url, Properties properties, String schema) throws Exception {
        List<Statement> statements = statements();
        assertThat(statements).hasSizeGreaterThan(20);
        properties.setProperty("currentSchema", schema);
        // The document writes timestamps as text: sent untyped, the server reads them as the column's type.
        properties.setProperty("stringtype", "unspecified");
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            for (Statement statement : statements) {
                for (int i = 0; i < statement.runs().size(); i++) {
                    run(connection, statement, statement.runs().get(i), i + 1);
                }
            }
        }
    }

    @Test
    void everySqlBlockOfThePlanHasItsRuns() throws IOException {
        String plan = Files.readString(Path.of(PLAN));
        int blocks = plan.split("```sql", -1).length - 1;

        assertThat(statements()).hasSize(blocks);
        assertThat(statements()).allSatisfy(s -> assertThat(s.runs()).isNotEmpty());
    }

    private static void run(Connection connection, Statement statement, Map<String, Object> run, int n)
            throws SQLException {
        String where = statement.name() + ", run " + n;
        @SuppressWarnings("unchecked")
        List<Object> params = (List<Object>) run.get("params");
        try (PreparedStatement prepared = connection.prepareStatement(statement.sql())) {
            for (int i = 0; i < params.size(); i++) {
                bind(connection, prepared, i + 1, params.get(i));
            }
            if (run.containsKey("error")) {
                assertThatThrownBy(prepared::execute)
                        .as(where)
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo(run.get("error")));
                return;
            }
            assertThat(rows(prepared)).as(where).isEqualTo(((Number) run.get("rows")).longValue());
        } catch (SQLException e) {
            fail(where + " failed: " + e.getMessage() + " [SQLState " + e.getSQLState() + "]", e);
        }
    }

    private static long rows(PreparedStatement prepared) throws SQLException {
        if (!prepared.execute()) {
            return prepared.getUpdateCount();
        }
        long rows = 0;
        try (ResultSet result = prepared.getResultSet()) {
            while (result.next()) {
                rows++;
            }
        }
        return rows;
    }

    private static void bind(Connection connection, PreparedStatement prepared, int index, Object value)
            throws SQLException {
        if (value == null) {
            prepared.setNull(index, Types.VARCHAR);
        } else if (value instanceof Number number) {
            prepared.setLong(index, number.longValue());
        } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Number) {
            Array array = connection.createArrayOf(
                    "bigint", list.stream().map(v -> ((Number) v).longValue()).toArray());
            prepared.setArray(index, array);
        } else if (value instanceof List<?> list) {
            prepared.setArray(index, connection.createArrayOf("text", list.toArray()));
        } else {
            prepared.setString(index, value.toString());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Statement> statements() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Statement> statements = new ArrayList<>();
        Matcher matcher = STATEMENT.matcher(Files.readString(Path.of(PLAN)));
        while (matcher.find()) {
            statements.add(
                    new Statement(matcher.group(1), json.readValue(matcher.group(2), List.class), matcher.group(3)));
        }
        return statements;
    }

    private static String primaryKey(String database, String table) throws SQLException {
        return scalar(
                database,
                "SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM pg_index i"
                        + " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
                        + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                        + " WHERE i.indrelid = '" + table + "'::regclass AND i.indisprimary");
    }

    private static String scalar(String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database)) {
            return scalar(connection, sql);
        }
    }

    private static String scalar(PGSimpleDataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return scalar(connection, sql);
        }
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getString(1);
        }
    }
}
