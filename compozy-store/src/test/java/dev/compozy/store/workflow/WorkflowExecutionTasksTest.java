package dev.compozy.store.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.FrozenMap;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An execution's tasks map: a plain one is copied, a frozen one (as the repository builds it) is kept. */
class WorkflowExecutionTasksTest {
    private static TaskState task(String id) {
        return TaskState.builder()
                .taskExecId("exec-" + id)
                .taskId(id)
                .workflowExecId("wf-1")
                .workflowId("wf")
                .status(Status.PENDING)
                .build();
    }

    private static WorkflowExecution withTasks(Map<String, TaskState> tasks) {
        return WorkflowExecution.builder()
                .workflowExecId("wf-1")
                .workflowId("wf")
                .status(Status.RUNNING)
                .build()
                .withTasks(tasks);
    }

    @Test
    void aPlainTasksMapIsCopiedInItsOrderAndCannotBeChangedThroughTheExecution() {
        Map<String, TaskState> source = new LinkedHashMap<>();
        for (String id : new String[] {"c", "a", "b"}) {
            source.put(id, task(id));
        }

        WorkflowExecution execution = withTasks(source);
        source.put("d", task("d"));

        assertThat(execution.tasks().keySet()).containsExactly("c", "a", "b");
        assertThatThrownBy(() -> execution.tasks().remove("a")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aFrozenTasksMapIsKeptWithoutACopy() {
        FrozenMap.Builder<TaskState> builder = FrozenMap.builder();
        for (int i = 0; i < 20; i++) {
            builder.put("task-" + i, task("task-" + i));
        }
        Map<String, TaskState> frozen = builder.build();

        WorkflowExecution execution = withTasks(frozen);

        assertThat(execution.tasks()).isSameAs(frozen);
        assertThat(execution.toBuilder().build().tasks()).isSameAs(frozen);
    }
}
