package dev.compozy.store;

import static dev.compozy.store.testing.Fixtures.child;
import static dev.compozy.store.testing.Fixtures.execution;
import static dev.compozy.store.testing.Fixtures.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.task.TaskState;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When every pooled connection is taken, an operation fails naming itself and its id, like every failure. */
class PoolExhaustionTest extends IntegrationTest {

    @Test
    void aStatementThatFindsNoFreeConnectionNamesTheOperationAndId() throws Exception {
        TaskState state = tasks.upsertState(task(execution(workflows), "t").build());
        try (Store small = smallStore(); Connection first = small.database().dataSource().getConnection();
                Connection second = small.database().dataSource().getConnection()) {
            assertThatThrownBy(() -> small.taskRepository().getState(state.taskExecId()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("getState(task_exec_id=" + state.taskExecId() + "): ")
                    .hasMessageContaining("Connection is not available");
        }
    }

    @Test
    void aTransactionThatFindsNoFreeConnectionNamesTheOperationAndId() throws Exception {
        TaskState parent = tasks.upsertState(task(execution(workflows), "parent").build());
        TaskState child = child(parent, "child").build();
        try (Store small = smallStore(); Connection first = small.database().dataSource().getConnection();
                Connection second = small.database().dataSource().getConnection()) {
            assertThatThrownBy(() -> small.taskRepository().upsertState(child))
                    .isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("upsertState(task_exec_id=" + child.taskExecId() + "): "
                            + "cannot start a transaction: ")
                    .hasMessageContaining("Connection is not available");
        }
    }

    private Store smallStore() {
        return Store.open(db.config(TestDatabase.SHARED_DATABASE).maxPoolSize(2).minIdle(0)
                .connectTimeout(Duration.ofMillis(300)).build());
    }
}
