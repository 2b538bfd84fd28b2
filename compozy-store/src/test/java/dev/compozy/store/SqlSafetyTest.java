package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A static check over the main sources: SQL text may be joined only with constants (CONSTANT_CASE
 * names), never with a variable, a parameter or a method result, so no caller value can reach the SQL
 * text; values go through bound parameters. Predicates handed to the query builder must be literals.
 */
class SqlSafetyTest {
    private static final Path MAIN = Path.of("src", "main", "java");

    /** A string literal with upper-case SQL, joined with + to what follows or precedes it. */
    private static final Pattern SQL_LITERAL = Pattern.compile(
            "\"[^\"\\n]*\\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|VALUES|SET|ORDER BY|LIMIT)\\b[^\"\\n]*\"");

    private static final Pattern CONSTANT = Pattern.compile("(?:[A-Z][A-Za-z0-9]*\\.)?[A-Z][A-Z0-9_]*");
    private static final Pattern BUILDER_CALL = Pattern.compile("\\.(whereIfPresent|orderBy)\\(\\s*([^,)]*)");

    static List<String> violations(String file, String source) {
        List<String> found = new ArrayList<>();
        Matcher literal = SQL_LITERAL.matcher(source);
        while (literal.find()) {
            String after = source.substring(literal.end()).stripLeading();
            String before = source.substring(0, literal.start()).stripTrailing();
            String joinedAfter = after.startsWith("+") ? operand(after.substring(1)) : null;
            String joinedBefore = before.endsWith("+") ? lastOperand(before.substring(0, before.length() - 1)) : null;
            for (String operand : new String[] {joinedAfter, joinedBefore}) {
                if (operand != null
                        && !operand.startsWith("\"")
                        && !CONSTANT.matcher(operand).matches()) {
                    found.add(file + ":" + line(source, literal.start()) + ": SQL joined with '" + operand + "'");
                }
            }
        }
        Matcher builder = BUILDER_CALL.matcher(source);
        while (builder.find()) {
            if (!builder.group(2).trim().startsWith("\"")) {
                found.add(file + ":" + line(source, builder.start()) + ": " + builder.group(1)
                        + " takes a literal, got '" + builder.group(2).trim() + "'");
            }
        }
        return found;
    }

    private static int line(String source, int offset) {
        return (int) source.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    private static String operand(String text) {
        Matcher m =
                Pattern.compile("^\\s*(\"|[A-Za-z_][A-Za-z0-9_.]*(?:\\(\\))?)").matcher(text);
        return m.find() ? m.group(1) : text.trim();
    }

    private static String lastOperand(String text) {
        Matcher m =
                Pattern.compile("(\"|[A-Za-z_][A-Za-z0-9_.]*(?:\\(\\))?)\\s*$").matcher(text);
        return m.find() ? m.group(1) : text.trim();
    }

    @Test
    void noSqlInTheMainSourcesIsBuiltFromAVariable() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(MAIN)) {
            for (Path path : paths.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                violations.addAll(violations(MAIN.relativize(path).toString(), Files.readString(path)));
            }
        }
        assertThat(files).isGreaterThan(20);
        assertThat(violations).isEmpty();
    }

    @Test
    void theCheckCatchesConcatenatedCallerValues() {
        String bad = """
                String sql = "SELECT * FROM task_states WHERE task_id = '" + taskId + "'";
                connection.prepareStatement("DELETE FROM workflow_states WHERE workflow_exec_id = " + id);
                query.whereIfPresent(column + " = ?", value);
                """;
        String good = """
                private static final String Q = "SELECT " + COLUMNS + " FROM task_states WHERE a = ?";
                String sql = "SELECT " + TaskStateMapping.COLUMNS + " FROM t";
                query.whereIfPresent("status = ?", status);
                throw new StoreException(operation, "task " + id + " not found");
                """;

        assertThat(violations("Bad.java", bad)).hasSize(3);
        assertThat(violations("Good.java", good)).isEmpty();
    }
}
