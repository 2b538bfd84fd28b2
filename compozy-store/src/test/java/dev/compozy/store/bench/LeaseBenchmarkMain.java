package dev.compozy.store.bench;

import dev.compozy.store.Migrations;
import dev.compozy.store.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The leased lifecycle against the claims before leases ({@link LeaseBenchmark}), in one run: prepares
 * {@value BenchDatabase#DATABASE} with the lease fixture only, runs the two sides in alternating JVMs
 * (plain, leased, leased, plain, per round), and writes {@code src/site/benchmarks/leases.md}.
 *
 * <p>Argument: the number of rounds (default 2; anything but a number means the default).
 */
public final class LeaseBenchmarkMain {
    private static final Path OUTPUT = Path.of("..", "src", "site", "benchmarks", "leases.md");
    private static final List<String> ROUND = List.of(
            "claimComplete_plain",
            "claimHeartbeatComplete_leased",
            "claimHeartbeatComplete_leased",
            "claimComplete_plain");

    private LeaseBenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 && args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 2;
        TestDatabase server = TestDatabase.get();
        server.createDatabase(BenchDatabase.DATABASE);
        Migrations.update(server.dataSource(BenchDatabase.DATABASE));
        try (Connection connection = server.connect(BenchDatabase.DATABASE)) {
            seed(connection);
        }
        List<Double> plain = new ArrayList<>();
        List<Double> leased = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (String method : ROUND) {
                double score = fork(server, method);
                (method.endsWith("_plain") ? plain : leased).add(score);
            }
        }
        String report = report(plain, leased, version(server));
        Files.writeString(OUTPUT, report, StandardCharsets.UTF_8);
        System.out.println(report);
    }

    /**
     * Tasks created one after another, as real ones are: with one {@code created_at} for all of them
     * (one INSERT), every claim sorted all pending tasks to pick ten, and at 40,000 that sort was most of
     * an operation on both sides, hiding what the leases cost.
     */
    private static void seed(Connection connection) throws SQLException {
        try (PreparedStatement execution = connection.prepareStatement(
                        "INSERT INTO workflow_states (workflow_exec_id, workflow_id, status) VALUES (?, 'lease', 'RUNNING')");
                PreparedStatement tasks = connection.prepareStatement("""
                        INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id,
                                                 input, created_at)
                        SELECT 'task', 'PENDING', 'lease-' || g, 'work-' || g, ?, 'lease', jsonb_build_object('n', g),
                               now() - interval '1 day' + g * interval '1 millisecond'
                        FROM generate_series(1, ?) g""")) {
            execution.setString(1, LeaseBenchmark.EXEC);
            execution.execute();
            tasks.setString(1, LeaseBenchmark.EXEC);
            tasks.setInt(2, LeaseBenchmark.TASKS);
            tasks.execute();
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE task_states");
            // As for the other benchmarks: measure the code, not the disk's flushes (same for both sides).
            statement.execute("ALTER DATABASE " + BenchDatabase.DATABASE + " SET synchronous_commit = off");
            statement.execute("ALTER TABLE task_states SET (autovacuum_enabled = off)");
        }
    }

    private static double fork(TestDatabase server, String method) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                        .include(LeaseBenchmark.class.getSimpleName() + "." + method + "$")
                        .forks(1)
                        .jvmArgs(
                                "-Xmx1g",
                                "-Dcompozy.bench.host=" + server.host(),
                                "-Dcompozy.bench.port=" + server.port(),
                                "-Dcompozy.bench.user=" + server.user(),
                                "-Dcompozy.bench.password=" + server.password())
                        .warmupIterations(4)
                        .warmupTime(TimeValue.seconds(2))
                        .measurementIterations(5)
                        .measurementTime(TimeValue.seconds(2))
                        .build())
                .run();
        BenchmarkResult result =
                results.iterator().next().getBenchmarkResults().iterator().next();
        return result.getPrimaryResult().getScore();
    }

    private static String version(TestDatabase server) throws SQLException {
        try (Connection connection = server.connect(BenchDatabase.DATABASE);
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW server_version")) {
            row.next();
            return row.getString(1);
        }
    }

    private static String report(List<Double> plain, List<Double> leased, String pgVersion) {
        StringBuilder md = new StringBuilder("## Leased lifecycle against claims without leases\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Measured %s on %d cores, %s, Java %s, PostgreSQL %s (%s); 8 agent "
                        + "threads, one operation = claim up to 10 tasks and finish each. JVMs in rounds of plain, leased, "
                        + "leased, plain; 4 × 2 s warm-up, 5 × 2 s measured per JVM.%n%n",
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("java.version"),
                pgVersion,
                TestDatabase.get().kind()));
        md.append("| JVM pair | plain ops/s | leased ops/s | leased / plain |\n|---|---:|---:|---:|\n");
        for (int i = 0; i < plain.size(); i++) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %,.1f | %,.1f | %.2f |%n",
                    i + 1,
                    plain.get(i),
                    leased.get(i),
                    leased.get(i) / plain.get(i)));
        }
        double plainMean =
                plain.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double leasedMean =
                leased.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        md.append(String.format(
                Locale.ROOT, "| all | %,.1f | %,.1f | **%.2f** |%n", plainMean, leasedMean, leasedMean / plainMean));
        return md.toString();
    }
}
