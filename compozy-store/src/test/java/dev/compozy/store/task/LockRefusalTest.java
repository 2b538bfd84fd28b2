package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.LockTimeoutException;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowNotFoundException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A lock that was refused, or could not be asked for because the transaction had already failed, is
 * reported as that failure with its SQLState, never as a missing row. (Hibernate's {@code find} answers
 * null for a generic JDBC failure once its transaction is rollback-only.)
 */
class LockRefusalTest extends IntegrationTest {

    @Test
    void aSecondLockAttemptAfterALockTimeoutIsNotReportedAsNotFound() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());

        whileRowLocked(
                state.taskExecId(),
                () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
                            tx.setLockTimeout(Duration.ofMillis(100));
                            try {
                                tasks.getStateForUpdate(tx, state.taskExecId());
                            } catch (LockTimeoutException refused) {
                                tasks.getStateForUpdate(tx, state.taskExecId());
                            }
                        }))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e).isNotInstanceOf(TaskNotFoundException.class);
                            assertThat(e.sqlState()).isEqualTo("25P02");
                        }));
    }

    @Test
    void aLockTimeoutIsReportedAsALockTimeout() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "held").build());

        whileRowLocked(
                state.taskExecId(),
                () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
                            tx.setLockTimeout(Duration.ofMillis(100));
                            tasks.getStateForUpdate(tx, state.taskExecId());
                        }))
                        .isInstanceOfSatisfying(
                                LockTimeoutException.class,
                                e -> assertThat(e.sqlState()).isEqualTo("55P03")));
    }

    @Test
    void aLockAfterAFailedStatementIsNotReportedAsNotFound() {
        TaskState state = tasks.upsertState(task(execution(workflows), "exists").build());

        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    try {
                        store.database().execute("SELECT 1/0");
                    } catch (StoreException divisionByZero) {
                        tasks.getStateForUpdate(tx, state.taskExecId());
                    }
                }))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e).isNotInstanceOf(TaskNotFoundException.class);
                    assertThat(e.sqlState()).isEqualTo("25P02");
                });
    }

    @Test
    void completeWorkflowAfterAFailedLockIsNotReportedAsNotFound() throws Exception {
        WorkflowExecution execution = execution(workflows);
        TaskState state = tasks.upsertState(task(execution, "held").build());

        whileRowLocked(
                state.taskExecId(),
                () -> assertThatThrownBy(() -> tasks.withTx(tx -> {
                            tx.setLockTimeout(Duration.ofMillis(100));
                            try {
                                tasks.getStateForUpdate(tx, state.taskExecId());
                            } catch (LockTimeoutException refused) {
                                workflows.completeWorkflow(execution.workflowExecId());
                            }
                        }))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e).isNotInstanceOf(WorkflowNotFoundException.class);
                            assertThat(e.sqlState()).isEqualTo("25P02");
                        }));
    }
}
