package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Store;
import dev.compozy.store.core.ExecutionType;
import dev.compozy.store.core.Id;
import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SqlRecorder;
import dev.compozy.store.testing.TestDatabase;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upserts take {@code updated_at} from the inserted row ({@code now()} there, {@code EXCLUDED.updated_at}
 * on conflict) so that Citus accepts them; on PostgreSQL they keep the semantics of {@code updated_at = now()}.
 */
class UpsertTimestampsTest extends IntegrationTest {
    private static final Pattern UPDATE_SET = Pattern.compile(
            "DO UPDATE SET(.*?)(?:\\bWHERE\\b|\\bRETURNING\\b|$)", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

    private WorkflowExecution execution;
    private TaskState parent;

    /** One of the upserting operations, writing the row {@code id} (new or existing). */
    private interface Write {
        void write(UpsertTimestampsTest test, TaskRepository tasks, WorkflowRepository workflows, String id);
    }

    @BeforeEach
    void parent() {
        execution = execution(workflows);
        parent = tasks.upsertState(task(execution, "fan-out")
                .executionType(ExecutionType.PARALLEL)
                .status(Status.RUNNING)
                .build());
    }

    private TaskState childRow(String id, Status status) {
        return child(parent, "child")
                .taskExecId(id)
                .status(status)
                .output(Map.of("n", 1))
                .build();
    }

    static Stream<Arguments> writes() {
        return Stream.of(
                Arguments.of("upsertExecution", "workflow_states", "workflow_exec_id", (Write)
                        (t, tasks, workflows, id) -> workflows.upsertExecution(
                                t.execution.toBuilder().workflowExecId(id).build())),
                Arguments.of("upsertState", "task_states", "task_exec_id", (Write)
                        (t, tasks, workflows, id) -> tasks.upsertState(
                                task(t.execution, "top").taskExecId(id).build())),
                Arguments.of("upsertState of a child", "task_states", "task_exec_id", (Write)
                        (t, tasks, workflows, id) -> tasks.upsertState(t.childRow(id, Status.RUNNING))),
                Arguments.of("createChildStatesInTransaction", "task_states", "task_exec_id", (Write)
                        (t, tasks, workflows, id) -> tasks.createChildStatesInTransaction(
                                t.parent.taskExecId(), List.of(t.childRow(id, Status.PENDING)))),
                Arguments.of("completeChild", "task_states", "task_exec_id", (Write) (t, tasks, workflows, id) ->
                        tasks.completeChild(t.childRow(id, Status.SUCCESS), CompletionStrategy.WAIT_ALL)));
    }

    private Timestamp time(String column, String table, String key, String id) {
        return (Timestamp) scalar("SELECT " + column + " FROM " + table + " WHERE " + key + " = ?", id);
    }

    private void backdate(String table, String key, String id) {
        execute(
                "UPDATE " + table + " SET created_at = created_at - interval '1 hour',"
                        + " updated_at = updated_at - interval '1 hour' WHERE " + key + " = ?",
                id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void anInsertStampsCreatedAtAndUpdatedAtWithTheSameTime(String name, String table, String key, Write write) {
        String id = Id.newId();

        write.write(this, tasks, workflows, id);

        assertThat(time("updated_at", table, key, id)).isEqualTo(time("created_at", table, key, id));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void anUpdateKeepsCreatedAt(String name, String table, String key, Write write) {
        String id = Id.newId();
        write.write(this, tasks, workflows, id);
        backdate(table, key, id);
        Timestamp created = time("created_at", table, key, id);

        write.write(this, tasks, workflows, id);

        assertThat(time("created_at", table, key, id)).isEqualTo(created);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void anUpdateSetsUpdatedAtToTheTimeOfItsOwnTransaction(String name, String table, String key, Write write) {
        String id = Id.newId();
        write.write(this, tasks, workflows, id);
        backdate(table, key, id);
        Timestamp before = (Timestamp) scalar("SELECT clock_timestamp()");

        write.write(this, tasks, workflows, id);

        Timestamp after = (Timestamp) scalar("SELECT clock_timestamp()");
        assertThat(time("updated_at", table, key, id)).isAfterOrEqualTo(before).isBeforeOrEqualTo(after);
    }

    @Test
    void noUpsertCallsAFunctionInItsUpdateSetClause() {
        SqlRecorder recorder = new SqlRecorder(db.dataSource(TestDatabase.SHARED_DATABASE));
        try (Store recorded = Store.open(recorder.dataSource(), db.config())) {
            writes().forEach(arguments -> {
                Write write = (Write) arguments.get()[3];
                String id = Id.newId();
                write.write(this, recorded.taskRepository(), recorded.workflowRepository(), id);
                write.write(this, recorded.taskRepository(), recorded.workflowRepository(), id);
            });
        }

        List<String> upserts = recorder.matching("ON CONFLICT").stream()
                .map(SqlRecorder.Execution::sql)
                .toList();
        assertThat(upserts).as("every upserting operation was recorded").hasSizeGreaterThanOrEqualTo(10);
        assertThat(upserts).allSatisfy(sql -> {
            Matcher set = UPDATE_SET.matcher(sql);
            assertThat(set.find()).as(sql).isTrue();
            assertThat(set.group(1))
                    .as("the DO UPDATE SET clause of " + sql)
                    .doesNotContain("(")
                    .contains("updated_at = EXCLUDED.updated_at");
        });
    }
}
