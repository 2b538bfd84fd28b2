package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskNotFoundException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;

/** The README's example of testing your own service with a mocked repository (no database). */
@ExtendWith(MockitoExtension.class)
class MockingExampleTest {

    /** A service of the kind an application writes on top of the store. */
    static final class TaskFinisher {
        private final TaskRepository tasks;

        TaskFinisher(TaskRepository tasks) {
            this.tasks = tasks;
        }

        boolean finish(String taskExecId, Map<String, Object> result) {
            try {
                TaskState state = tasks.getState(taskExecId);
                tasks.upsertState(
                        state.toBuilder().status(Status.SUCCESS).output(result).build());
                return true;
            } catch (TaskNotFoundException e) {
                return false;
            }
        }
    }

    @Mock
    TaskRepository tasks;

    @Test
    void finishingATaskStoresItAsSucceededWithItsOutput() {
        TaskState running = TaskState.builder()
                .taskExecId("t-1")
                .taskId("extract")
                .workflowExecId("w-1")
                .workflowId("etl")
                .status(Status.RUNNING)
                .build();
        when(tasks.getState("t-1")).thenReturn(running);

        boolean finished = new TaskFinisher(tasks).finish("t-1", Map.of("rows", 42));

        assertThat(finished).isTrue();
        verify(tasks)
                .upsertState(argThat((TaskState s) ->
                        s.status() == Status.SUCCESS && s.output().equals(Map.of("rows", 42))));
    }

    @Test
    void anUnknownTaskIsReportedAndNothingIsWritten() {
        when(tasks.getState("ghost")).thenThrow(new TaskNotFoundException("getState", "ghost"));

        assertThat(new TaskFinisher(tasks).finish("ghost", Map.of())).isFalse();
        verify(tasks, never()).upsertState(any(TaskState.class));
    }
}
