package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.execution;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.StreamingProbe;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * forEachState walks more rows than the heap could hold: 100,000 rows of about 2 KB (some 200 MB of JSON)
 * in a JVM limited to 40 MB. The control run shows the same rows do not fit that heap as a list.
 */
class StreamingMemoryTest extends IntegrationTest {
    private static final int ROWS = 100_000;
    private static final String HEAP = "-Xmx40m";

    @Test
    void forEachStateWalksMoreRowsThanTheHeapCouldHold() throws Exception {
        WorkflowExecution execution = execution(workflows);
        execute("""
                INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id, input)
                SELECT 'task', 'PENDING', 'stream-' || g, 't' || g, ?, 'wf', jsonb_build_object('pad', repeat('x', 2000))
                FROM generate_series(1, ?) g""", execution.workflowExecId(), ROWS);

        Result streamed = probe("stream", execution.workflowExecId());
        Result listed = probe("list", execution.workflowExecId());

        assertThat(streamed.exitCode()).as(streamed.output()).isZero();
        assertThat(streamed.output()).contains("rows=" + ROWS);
        assertThat(listed.exitCode())
                .as("control: the whole list must not fit in " + HEAP)
                .isNotZero();
        assertThat(listed.output()).contains("OutOfMemoryError");
    }

    record Result(int exitCode, String output) {}

    private Result probe(String mode, String workflowExecId) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                java.toString(),
                HEAP,
                "-cp",
                classpath,
                StreamingProbe.class.getName(),
                mode,
                db.host(),
                Integer.toString(db.port()),
                db.user(),
                db.password(),
                TestDatabase.SHARED_DATABASE,
                workflowExecId));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("probe did not finish: " + output);
        }
        return new Result(process.exitValue(), output);
    }
}
