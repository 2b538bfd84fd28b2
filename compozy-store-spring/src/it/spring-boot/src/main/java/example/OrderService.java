package example;

import dev.compozy.store.core.Id;
import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowRepository;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** An application service: its own row and the store's workflow, tasks and children in one transaction. */
@Service
public class OrderService {
    private final PurchaseOrders orders;
    private final WorkflowRepository workflows;
    private final TaskRepository tasks;
    private final JdbcTemplate jdbc;

    OrderService(PurchaseOrders orders, WorkflowRepository workflows, TaskRepository tasks, JdbcTemplate jdbc) {
        this.orders = orders;
        this.workflows = workflows;
        this.tasks = tasks;
        this.jdbc = jdbc;
    }

    /** Writes the order, its workflow, a parent task and its children; {@code failAtTheEnd} throws after all of it. */
    @Transactional
    public String place(String orderId, List<String> children, boolean failAtTheEnd) {
        String execId = Id.newId();
        orders.save(new PurchaseOrder(orderId, execId));
        workflows.upsertExecution(WorkflowExecution.builder()
                .workflowExecId(execId)
                .workflowId("fulfil-order")
                .status(Status.RUNNING)
                .build());
        TaskState parent = tasks.upsertState(TaskState.builder()
                .taskExecId(Id.newId())
                .taskId("ship")
                .workflowExecId(execId)
                .workflowId("fulfil-order")
                .status(Status.RUNNING)
                .build());
        tasks.createChildStatesInTransaction(
                parent.taskExecId(),
                children.stream()
                        .map(taskId -> TaskState.builder()
                                .taskExecId(Id.newId())
                                .taskId(taskId)
                                .workflowExecId(execId)
                                .workflowId("fulfil-order")
                                .status(Status.PENDING)
                                .parentStateId(parent.taskExecId())
                                .build())
                        .toList());
        if (failAtTheEnd) {
            throw new IllegalStateException("payment declined for " + orderId);
        }
        return execId;
    }

    /** Marks a task done under its row lock, in the caller's transaction. */
    @Transactional
    public void finish(String taskExecId) {
        tasks.withTx(tx -> {
            TaskState locked = tasks.getStateForUpdate(tx, taskExecId);
            tasks.upsertState(tx, locked.toBuilder().status(Status.SUCCESS).build());
        });
    }

    /** The database sessions of the application's JDBC work and of the store's row lock, in one transaction. */
    @Transactional
    public List<Integer> sessionsOfOneTransaction(String taskExecId) {
        Integer application = jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class);
        Integer store = tasks.fromTx(tx -> {
            tasks.getStateForUpdate(tx, taskExecId);
            return tx.withConnection(connection -> {
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
                    rows.next();
                    return rows.getInt(1);
                }
            });
        });
        return List.of(application, store);
    }

    /** A retrying transaction inside the service's transaction: the store refuses it. */
    @Transactional
    public void retryInside(String taskExecId) {
        tasks.withTx(RetryPolicy.defaults(), tx -> tasks.getStateForUpdate(tx, taskExecId));
    }
}
