package dev.compozy.store.bench;

import dev.compozy.store.ExecutionReadBenchmark;
import dev.compozy.store.LeanJdbc;
import dev.compozy.store.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The schema-cost run (issue 19): for every index profile asked for ({@code -Dbench.profiles}, default
 * {@code default,lean}; a profile the changelog does not name as a context or label is skipped), a
 * database migrated with that profile, the lean tables beside it and the same fixture in both; then
 * every {@link SchemaCostBenchmark} workload on each side in a JVM of its own, the
 * {@link ExecutionReadBenchmark} pairs, and {@code Store.open} in fresh JVMs, plain and with an AppCDS
 * archive, alternating. Writes {@code src/site/benchmarks/schema-cost.md}, or
 * {@code target/schema-cost-quick.md} for a smoke run.
 *
 * <p>Argument: {@code all} (default; about 8 minutes on a quiet two-core machine with both profiles) or
 * {@code quick} (one short iteration per JVM, to see it work).
 */
public final class SchemaCostMain {
    private static final List<String> WORKLOADS =
            List.of("bulkCreate1000", "update1", "update4", "getTaskById", "getWorkflow1000");
    private static final Map<String, String> LABELS = Map.of(
            "bulkCreate1000", "create a workflow with 1,000 tasks (one transaction)",
            "update1", "update one task, 1 thread",
            "update4", "4 threads updating distinct tasks of one workflow",
            "getTaskById", "get a task by id",
            "getWorkflow1000", "get a workflow with its 1,000 tasks");
    private static final List<String> READ_PAIRS =
            List.of("read_oneStatement", "read_pipelinedTransaction", "decode_store", "decode_jackson");
    private static final int OPEN_JVMS = 3;

    private SchemaCostMain() {}

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && "quick".equals(args[0]);
        List<String> asked = Arrays.asList(
                System.getProperty("bench.profiles", "default,lean").split(","));
        List<String> profiles = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String profile : asked) {
            if ("default".equals(profile) || changelogNames(profile)) {
                profiles.add(profile);
            } else {
                skipped.add(profile);
            }
        }
        TestDatabase server = TestDatabase.get();
        for (String profile : profiles) {
            prepare(server, profile);
        }
        // Time per operation (µs), by "workload side@profile"; the lean tables are the same in every
        // profile's database, so the lean side runs once, in the first.
        Map<String, Double> micros = new LinkedHashMap<>();
        for (String workload : WORKLOADS) {
            for (String profile : profiles) {
                List<String> sides =
                        profile.equals(profiles.get(0)) ? List.of("lean", "same", "store") : List.of("same", "store");
                for (String side : sides) {
                    micros.put(
                            workload + " " + side + "@" + profile,
                            fork(
                                    server,
                                    quick,
                                    SchemaCostBenchmark.class.getSimpleName() + "." + workload + "$",
                                    side,
                                    profile));
                }
            }
        }
        Map<String, Double> reads = new LinkedHashMap<>();
        for (String method : READ_PAIRS) {
            reads.put(
                    method,
                    fork(server, quick, ExecutionReadBenchmark.class.getSimpleName() + "." + method + "$", null, null));
        }
        String database = SchemaCostBenchmark.database(profiles.get(0));
        String classPath = jarClassPath(Path.of("target", "cds"));
        OpenTimes open = openTimes(server, database, false, classPath, quick ? 1 : OPEN_JVMS);
        OpenTimes openMigrating = openTimes(server, database, true, classPath, quick ? 1 : OPEN_JVMS);
        String report = report(server, profiles, skipped, micros, reads, open, openMigrating, quick);
        Path output = quick
                ? Path.of("target", "schema-cost-quick.md")
                : Path.of("..", "src", "site", "benchmarks", "schema-cost.md");
        Files.createDirectories(output.getParent());
        Files.writeString(output, report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("written to " + output);
    }

    /** Whether some changeSet of the changelog names this profile in its context or labels (negated or not). */
    private static boolean changelogNames(String profile) throws IOException {
        Pattern attribute = Pattern.compile("(?:context|contextFilter|labels)\\s*=\\s*\"([^\"]*)\"");
        try (Stream<Path> files = Files.walk(Path.of("..", "changelog"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".xml")).toList()) {
                Matcher m = attribute.matcher(Files.readString(file));
                while (m.find()) {
                    if (Pattern.compile("(?<!\\w)" + Pattern.quote(profile) + "(?!\\w)")
                            .matcher(m.group(1))
                            .find()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The profile's database: migrated with the profile as context and label, the lean tables, the fixture. */
    private static void prepare(TestDatabase server, String profile) throws Exception {
        String database = server.createDatabase(SchemaCostBenchmark.database(profile));
        try (Connection connection = server.connect(database)) {
            Database liquibase =
                    DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
            CommandScope update = new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, liquibase)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, dev.compozy.store.Migrations.CHANGELOG)
                    .addArgumentValue(UpdateCommandStep.CONTEXTS_ARG, profile);
            if (!"default".equals(profile)) {
                update.addArgumentValue(UpdateCommandStep.LABEL_FILTER_ARG, profile);
            }
            Scope.child(
                    Map.of(
                            Scope.Attr.resourceAccessor.name(),
                            new ClassLoaderResourceAccessor(SchemaCostMain.class.getClassLoader())),
                    () -> update.execute());
        }
        try (Connection connection = server.connect(database);
                Statement statement = connection.createStatement()) {
            for (String sql : LeanJdbc.CREATE_LEAN_TABLES) {
                statement.execute(sql);
            }
            for (String[] tables :
                    new String[][] {{"workflow_states", "task_states"}, {"lean_workflows", "lean_tasks"}}) {
                run(
                        connection,
                        "INSERT INTO " + tables[0] + " (workflow_exec_id, workflow_id, status, input)"
                                + " VALUES (?, 'cost', 'RUNNING', '{\"bench\": true}')",
                        SchemaCostBenchmark.EXEC);
                run(
                        connection,
                        "INSERT INTO " + tables[1] + " (component, status, task_exec_id, task_id, workflow_exec_id,"
                                + " workflow_id, execution_type) VALUES ('task', 'RUNNING', ?, 'root', ?, 'cost', 'parallel')",
                        SchemaCostBenchmark.ROOT,
                        SchemaCostBenchmark.EXEC);
                run(
                        connection,
                        "INSERT INTO " + tables[1] + " (component, status, task_exec_id, task_id, workflow_exec_id,"
                                + " workflow_id, execution_type, parent_state_id, input) SELECT 'task', 'PENDING',"
                                + " 'cost-child-' || g, 'child-' || g, ?, 'cost', 'basic', ?,"
                                + " jsonb_build_object('n', g, 'source', 'bench') FROM generate_series(0, ?) g",
                        SchemaCostBenchmark.EXEC,
                        SchemaCostBenchmark.ROOT,
                        SchemaCostBenchmark.TASKS - 2);
            }
            statement.execute("VACUUM ANALYZE");
            // As for the other benchmarks: the code's cost, not the disk's flushes or autovacuum's timing.
            statement.execute("ALTER DATABASE " + database + " SET synchronous_commit = off");
            for (String table : List.of("workflow_states", "task_states", "lean_workflows", "lean_tasks")) {
                statement.execute("ALTER TABLE " + table + " SET (autovacuum_enabled = off)");
            }
        }
    }

    private static void run(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            statement.execute();
        }
    }

    /** One JVM of one side: its time per operation in µs. */
    private static double fork(TestDatabase server, boolean quick, String include, String side, String profile)
            throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .jvmArgs(
                        "-Xmx1g",
                        "-Dcompozy.bench.host=" + server.host(),
                        "-Dcompozy.bench.port=" + server.port(),
                        "-Dcompozy.bench.user=" + server.user(),
                        "-Dcompozy.bench.password=" + server.password())
                // Eight: with four threads and their four server processes on two cores, the compiler threads get
                // little CPU, and the store's update path took 4-8 s of calls to reach its steady speed.
                .warmupIterations(quick ? 1 : 8)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 1 : 5)
                .measurementTime(TimeValue.seconds(1));
        if (side != null) {
            options.param("side", side).param("profile", profile);
        }
        RunResult result = new Runner(options.build()).run().iterator().next();
        return result.getPrimaryResult().getScore();
    }

    /**
     * This JVM's class path with every directory in it (target/classes, target/test-classes) packed into a
     * jar under {@code dir}: CDS archives classes from jars only, and both kinds of open JVM get this class
     * path, so that the archive is all that differs between them.
     */
    private static String jarClassPath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (Files.isDirectory(source)) {
                Path jar = dir.resolve(entries.size() + "-" + source.getFileName() + ".jar");
                try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                        Stream<Path> files = Files.walk(source)) {
                    for (Path file :
                            files.filter(f -> !f.equals(source)).sorted().toList()) {
                        String name = source.relativize(file).toString().replace(File.separatorChar, '/');
                        // Directory entries too, for class loaders' lookups of a package's resources.
                        out.putNextEntry(new JarEntry(Files.isDirectory(file) ? name + "/" : name));
                        if (!Files.isDirectory(file)) {
                            Files.copy(file, out);
                        }
                    }
                }
                entry = jar.toString();
            }
            entries.add(entry);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Store.open in fresh JVMs (ms), plain and with an AppCDS archive; {@code cds} empty when none was dumped. */
    private record OpenTimes(List<Double> plain, List<Double> cds) {}

    /**
     * Store.open in fresh JVMs, each its JVM's first open: {@code jvms} plain and as many with an AppCDS
     * archive, which one training JVM of the same open dumps first, the two kinds alternating (plain, CDS,
     * CDS, plain, …) so that both see the same machine.
     */
    private static OpenTimes openTimes(
            TestDatabase server, String database, boolean autoMigrate, String classPath, int jvms)
            throws IOException, InterruptedException {
        Path archive = Path.of("target", "cds", (autoMigrate ? "migrate" : "open") + ".jsa");
        Files.deleteIfExists(archive);
        probe(server, database, autoMigrate, classPath, "-XX:ArchiveClassesAtExit=" + archive);
        List<Double> plain = new ArrayList<>();
        List<Double> cds = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            if (i % 2 == 0) {
                plain.add(probe(server, database, autoMigrate, classPath));
            }
            if (Files.exists(archive)) {
                // -Xshare:on: a JVM that cannot map the archive stops instead of timing an open without it.
                cds.add(probe(
                        server, database, autoMigrate, classPath, "-Xshare:on", "-XX:SharedArchiveFile=" + archive));
            }
            if (i % 2 == 1) {
                plain.add(probe(server, database, autoMigrate, classPath));
            }
        }
        return new OpenTimes(plain, cds);
    }

    /** One fresh JVM's Store.open: milliseconds. */
    private static double probe(
            TestDatabase server, String database, boolean autoMigrate, String classPath, String... jvmFlags)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(Arrays.asList(jvmFlags));
        command.addAll(List.of(
                "-cp",
                classPath,
                OpenProbe.class.getName(),
                server.host(),
                Integer.toString(server.port()),
                server.user(),
                server.password(),
                database,
                Boolean.toString(autoMigrate)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        Matcher m = Pattern.compile("openMicros=(\\d+)").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("the open probe printed no time:\n" + output);
        }
        return Long.parseLong(m.group(1)) / 1000.0;
    }

    private static String serverVersion(TestDatabase server, String database) throws SQLException {
        try (Connection connection = server.connect(database);
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW server_version")) {
            row.next();
            return row.getString(1);
        }
    }

    private static String report(
            TestDatabase server,
            List<String> profiles,
            List<String> skipped,
            Map<String, Double> micros,
            Map<String, Double> reads,
            OpenTimes open,
            OpenTimes openMigrating,
            boolean quick)
            throws SQLException {
        StringBuilder md = new StringBuilder(
                "## Schema cost: the store against hand-written JDBC on the same and on a lean table\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Measured %s on %d cores, %s, Java %s, PostgreSQL %s (%s). One JVM per "
                        + "side and workload; %s. Index profiles: %s%s.%n%n",
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("java.version"),
                serverVersion(server, SchemaCostBenchmark.database(profiles.get(0))),
                server.kind(),
                quick ? "**smoke run: one 1 s iteration, not a measurement**" : "8 × 1 s warm-up, 5 × 1 s measured",
                String.join(", ", profiles),
                skipped.isEmpty() ? "" : " (skipped, not in the changelog: " + String.join(", ", skipped) + ")"));
        md.append("Time per operation in µs (lower is better); lean = hand-written JDBC on the lean table, same = "
                + "hand-written JDBC on the profile's own tables.\n\n");
        md.append("| workload | profile | lean | same | store | store / lean | store / same |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (String workload : WORKLOADS) {
            double lean = micros.get(workload + " lean@" + profiles.get(0));
            for (String profile : profiles) {
                double same = micros.get(workload + " same@" + profile);
                double store = micros.get(workload + " store@" + profile);
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,.1f | %,.1f | %,.1f | %.2f | %.2f |%n",
                        LABELS.get(workload),
                        profile,
                        lean,
                        same,
                        store,
                        store / lean,
                        store / same));
            }
        }
        md.append(String.format(
                Locale.ROOT,
                "%n`getExecution`'s snapshot read of 1,000 tasks on one connection: one "
                        + "statement %,.1f µs, a REPEATABLE READ transaction pipelined into one round trip %,.1f µs "
                        + "(pipelined / one statement %.2f).%n",
                reads.get("read_oneStatement"),
                reads.get("read_pipelinedTransaction"),
                reads.get("read_pipelinedTransaction") / reads.get("read_oneStatement")));
        md.append(String.format(
                Locale.ROOT,
                "%nDecoding 1,000 task rows already in the driver: the store's reader "
                        + "%,.1f µs, Jackson into maps %,.1f µs (store / Jackson %.2f).%n",
                reads.get("decode_store"),
                reads.get("decode_jackson"),
                reads.get("decode_store") / reads.get("decode_jackson")));
        md.append(String.format(
                Locale.ROOT,
                "%n`Store.open` in a fresh JVM (ms, one JVM each; the class path's directories packed into jars): "
                        + "%s without migration; %s with `autoMigrate` on an up-to-date database.%n",
                join(open.plain()),
                join(openMigrating.plain())));
        md.append(String.format(
                Locale.ROOT,
                "%nThe same with an AppCDS archive of that class path, dumped by one training JVM of the same open "
                        + "(`-XX:ArchiveClassesAtExit`), used with `-Xshare:on -XX:SharedArchiveFile`, the JVMs "
                        + "alternating with the ones above: %s without migration; %s with `autoMigrate`.%n",
                joinCds(open.cds()),
                joinCds(openMigrating.cds())));
        return md.toString();
    }

    private static String joinCds(List<Double> millis) {
        return millis.isEmpty() ? "**not measured** (the training JVM dumped no archive)" : join(millis);
    }

    private static String join(List<Double> millis) {
        return String.join(
                ", ",
                millis.stream()
                        .map(ms -> String.format(Locale.ROOT, "%,.0f", ms))
                        .toList());
    }
}
