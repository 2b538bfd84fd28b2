package dev.compozy.store;

import dev.compozy.store.bench.BenchDatabase;
import dev.compozy.store.bench.SchemaCostBenchmark;
import dev.compozy.store.task.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two questions of issue 19 item 3, on the schema-cost fixture's execution of 1,000 tasks, one held
 * connection:
 *
 * <ul>
 *   <li>{@code read_oneStatement} against {@code read_pipelinedTransaction}: the execution and its tasks
 *       in one snapshot as the store reads them (one statement, auto-commit) or as a REPEATABLE READ
 *       transaction whose four statements pgjdbc sends in one round trip;
 *   <li>{@code decode_store} against {@code decode_jackson}: the same 1,000 task rows, already in the
 *       driver's memory (a scrollable result set rewound for every call), decoded by the store's reader
 *       into task states or by Jackson into one map per row.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Fork(1)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ExecutionReadBenchmark {
    private static final String EXECUTION_COLUMNS =
            "workflow_exec_id, workflow_id, status, input, output, error," + " created_at, updated_at";
    /** The form HibernateWorkflowRepository sends. */
    private static final String ONE_STATEMENT =
            HibernateWorkflowRepository.withTasksSql(HibernateWorkflowRepository.SELECT_EXECUTION);

    private static final String PIPELINED = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\n"
            + "SELECT " + EXECUTION_COLUMNS + " FROM workflow_states WHERE workflow_exec_id = ?;\n"
            + "SELECT " + TaskRows.COLUMNS + " FROM task_states WHERE workflow_exec_id = ?;\n"
            + "COMMIT";

    private static final String[] NAMES = TaskRows.COLUMNS.split(", ");

    private final ObjectMapper jackson = JsonMapper.builder().build();
    private Connection connection;
    private PreparedStatement oneStatement;
    private PreparedStatement pipelined;
    private PreparedStatement decodeRowsQuery;
    private ResultSet decodeRows;

    @Setup(Level.Trial)
    public void open() throws SQLException {
        connection = BenchDatabase.connect(SchemaCostBenchmark.database("default"), false);
        oneStatement = connection.prepareStatement(ONE_STATEMENT);
        pipelined = connection.prepareStatement(PIPELINED);
        decodeRowsQuery = connection.prepareStatement(
                "SELECT " + TaskRows.COLUMNS + " FROM task_states" + " WHERE workflow_exec_id = ?",
                ResultSet.TYPE_SCROLL_INSENSITIVE,
                ResultSet.CONCUR_READ_ONLY);
        decodeRowsQuery.setString(1, SchemaCostBenchmark.EXEC);
        decodeRows = decodeRowsQuery.executeQuery();
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
        connection.close();
    }

    @Benchmark
    public Map<String, TaskState> read_oneStatement() throws SQLException {
        oneStatement.setString(1, SchemaCostBenchmark.EXEC);
        Map<String, TaskState> tasks = new HashMap<>();
        TaskRows.RowReader reader = new TaskRows.RowReader("read");
        try (ResultSet rows = oneStatement.executeQuery()) {
            while (rows.next()) {
                if (rows.getBytes(HibernateWorkflowRepository.ORDINAL_COLUMN) != null) {
                    rows.getString(12);
                    continue;
                }
                newest(reader, rows, tasks);
            }
        }
        return tasks;
    }

    @Benchmark
    public Map<String, TaskState> read_pipelinedTransaction() throws SQLException {
        pipelined.setString(1, SchemaCostBenchmark.EXEC);
        pipelined.setString(2, SchemaCostBenchmark.EXEC);
        Map<String, TaskState> tasks = new HashMap<>();
        TaskRows.RowReader reader = new TaskRows.RowReader("read");
        boolean rowsNext = pipelined.execute();
        int resultSets = 0;
        while (rowsNext || pipelined.getUpdateCount() != -1) {
            if (rowsNext) {
                try (ResultSet rows = pipelined.getResultSet()) {
                    if (resultSets++ == 0) {
                        rows.next();
                        rows.getString(4);
                    } else {
                        while (rows.next()) {
                            newest(reader, rows, tasks);
                        }
                    }
                }
            }
            rowsNext = pipelined.getMoreResults();
        }
        return tasks;
    }

    private static void newest(TaskRows.RowReader reader, ResultSet rows, Map<String, TaskState> tasks)
            throws SQLException {
        reader.readKey(rows);
        TaskState kept = tasks.get(reader.taskId());
        if (kept == null || reader.isNewerThan(kept)) {
            tasks.put(reader.taskId(), reader.readState(rows));
        }
    }

    @Benchmark
    public List<TaskState> decode_store() throws SQLException {
        decodeRows.beforeFirst();
        List<TaskState> states = new ArrayList<>(SchemaCostBenchmark.TASKS);
        TaskRows.RowReader reader = new TaskRows.RowReader("decode");
        while (decodeRows.next()) {
            reader.readKey(decodeRows);
            states.add(reader.readState(decodeRows));
        }
        return states;
    }

    @Benchmark
    public List<Map<String, Object>> decode_jackson() throws SQLException {
        decodeRows.beforeFirst();
        List<Map<String, Object>> rows = new ArrayList<>(SchemaCostBenchmark.TASKS);
        while (decodeRows.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int column = 1; column <= 11; column++) {
                row.put(NAMES[column - 1], decodeRows.getString(column));
            }
            for (int column = 12; column <= 14; column++) {
                String json = decodeRows.getString(column);
                row.put(NAMES[column - 1], json == null ? null : jackson.readValue(json, Map.class));
            }
            for (int column = 15; column <= 16; column++) {
                row.put(
                        NAMES[column - 1],
                        decodeRows.getObject(column, OffsetDateTime.class).toInstant());
            }
            rows.add(row);
        }
        return rows;
    }
}
