package dev.compozy.store.task;

import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.workflow.WorkflowExecution;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** withTx / fromTx: one transaction, rollback on exception, joining when nested, commit errors surfaced. */
class TransactionTest extends IntegrationTest {

    @Test
    void anExceptionRollsBackAndPropagatesUnchanged() {
        WorkflowExecution execution = execution(workflows);
        IOException failure = new IOException("disk on fire");

        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.upsertState(tx, task(execution, "written-then-undone").build());
                    throw failure;
                }))
                .isSameAs(failure);
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aRuntimeExceptionRollsBackAndPropagatesUnchanged() {
        WorkflowExecution execution = execution(workflows);
        IllegalStateException failure = new IllegalStateException("business rule");

        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.upsertState(task(execution, "implicitly-joined").build());
                    throw failure;
                }))
                .isSameAs(failure);
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void nestedUseJoinsTheOuterTransaction() {
        WorkflowExecution execution = execution(workflows);

        assertThatThrownBy(() -> tasks.withTx(outer -> {
                    tasks.withTx(inner -> {
                        assertThat(inner).isSameAs(outer);
                        tasks.upsertState(inner, task(execution, "inner").build());
                    });
                    assertThat(count("SELECT count(*) FROM task_states"))
                            .as("not visible before the outer commit")
                            .isZero();
                    throw new IllegalStateException("outer fails after inner returned");
                }))
                .hasMessage("outer fails after inner returned");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void fromTxReturnsTheFunctionsValueAfterCommitting() {
        WorkflowExecution execution = execution(workflows);

        String id = tasks.fromTx(
                tx -> tasks.upsertState(tx, task(execution, "t").build()).taskExecId());

        assertThat(tasks.getState(id).taskId()).isEqualTo("t");
    }

    @Test
    void aNestedFailureSwallowedByTheOuterFunctionStillRollsBackEverything() {
        WorkflowExecution execution = execution(workflows);

        assertThatThrownBy(() -> tasks.withTx(outer -> {
                    tasks.upsertState(outer, task(execution, "outer").build());
                    try {
                        tasks.withTx(inner -> {
                            throw new IllegalStateException("inner failure");
                        });
                    } catch (IllegalStateException swallowed) {
                        // the caller decides to carry on; the transaction must not commit half the work
                    }
                }))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("inner failure");
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void aFailedCommitPropagatesWithItsSqlState() {
        WorkflowExecution execution = execution(workflows);

        assertThatThrownBy(() -> tasks.withTx(tx -> {
                    tasks.upsertState(
                            tx, task(execution, "lost-with-the-commit").build());
                    store.database()
                            .execute("CREATE TEMP TABLE deferred_check (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
                                    + " ON COMMIT DROP");
                    store.database().execute("INSERT INTO deferred_check VALUES (1), (1)");
                }))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.operation()).isEqualTo("commit");
                    assertThat(e.sqlState()).isEqualTo("23505");
                });
        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }

    @Test
    void setRollbackOnlyDiscardsTheWorkWithoutAnException() {
        WorkflowExecution execution = execution(workflows);

        tasks.withTx(tx -> {
            tasks.upsertState(tx, task(execution, "dry-run").build());
            tx.setRollbackOnly();
        });

        assertThat(count("SELECT count(*) FROM task_states")).isZero();
    }
}
