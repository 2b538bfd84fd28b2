package dev.compozy.store.task;

import dev.compozy.store.core.RetryPolicy;
import dev.compozy.store.core.Status;
import dev.compozy.store.core.Tx;
import dev.compozy.store.core.TxConsumer;
import dev.compozy.store.core.TxFunction;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Task states: writes, lookups, hierarchy queries and transactions. Names in brackets are the seed's.
 *
 * <p>Every method validates its arguments before any SQL ({@link IllegalArgumentException} naming the
 * field), reports a missing row as {@link TaskNotFoundException}, and reports a database failure as a
 * {@link dev.compozy.store.core.StoreException} naming the operation with the driver's exception as cause.
 * Lists and maps are never null. A method called inside {@link #withTx}/{@link #fromTx} on the same
 * thread runs in that transaction.
 */
public interface TaskRepository {

    /**
     * Inserts the state, or overwrites every column but {@code task_exec_id} and {@code created_at} of
     * the existing row, atomically; {@code updated_at} becomes {@code now()} [UpsertState]. A
     * state read from the store (it carries {@code createdAt}) whose row keeps its execution and parent is
     * written as a plain update by key, which is faster; the outcome is the same either way.
     *
     * @return the state as stored, with its timestamps
     */
    TaskState upsertState(TaskState state);

    /** {@link #upsertState(TaskState)} inside the caller's transaction [UpsertStateWithTx]. */
    TaskState upsertState(Tx tx, TaskState state);

    /** The state with this id [GetState]. @throws TaskNotFoundException when there is none */
    TaskState getState(String taskExecId);

    /**
     * The state with this id, locked against concurrent writers until {@code tx} ends
     * (PostgreSQL {@code FOR NO KEY UPDATE}: children can still be inserted under it) [GetStateForUpdate].
     *
     * @throws IllegalStateException when {@code tx} is not an open transaction of this store
     * @throws TaskNotFoundException when there is none
     */
    TaskState getStateForUpdate(Tx tx, String taskExecId);

    /** States matching every non-null field of the filter, by {@code (created_at, task_exec_id)} [ListStates]. */
    List<TaskState> listStates(TaskStateFilter filter);

    /**
     * Hands every state matching the filter to {@code action}, in {@link #listStates} order, reading them
     * from a server-side cursor in small fetches: memory stays bounded however many rows match. The read
     * runs in one transaction, so it sees one snapshot.
     */
    void forEachState(TaskStateFilter filter, Consumer<TaskState> action);

    /**
     * Every task of a workflow execution at any depth, keyed by {@code task_id}; when a {@code task_id}
     * repeats, the newest row (by {@code created_at}, then {@code task_exec_id}) wins [ListTasksInWorkflow].
     */
    Map<String, TaskState> listTasksInWorkflow(String workflowExecId);

    /**
     * {@link #listTasksInWorkflow} for several executions in one query: execution id to its tasks map;
     * an execution without tasks maps to an empty map.
     */
    Map<String, Map<String, TaskState>> listTasksInWorkflows(Collection<String> workflowExecIds);

    /** Tasks of the execution with this status, any depth, oldest first [ListTasksByStatus]. */
    List<TaskState> listTasksByStatus(String workflowExecId, Status status);

    /** Tasks of the execution run by this agent, any depth, oldest first [ListTasksByAgent]. */
    List<TaskState> listTasksByAgent(String workflowExecId, String agentId);

    /** Tasks of the execution run by this tool, any depth, oldest first [ListTasksByTool]. */
    List<TaskState> listTasksByTool(String workflowExecId, String toolId);

    /** Direct children of a task, by {@code task_id} then {@code created_at} [ListChildren]. */
    List<TaskState> listChildren(String parentStateId);

    /**
     * Outputs of the direct children that have one (not SQL NULL), keyed by {@code task_id}, newest child
     * winning on a repeated {@code task_id} [ListChildrenOutputs].
     */
    Map<String, Map<String, Object>> listChildrenOutputs(String parentStateId);

    /** The newest direct child with this {@code task_id} [GetChildByTaskID]. @throws TaskNotFoundException */
    TaskState getChildByTaskId(String parentStateId, String taskId);

    /**
     * The task and all its descendants down to the configured depth limit: root first, then level by
     * level, each level by {@code created_at}; one recursive query, safe against cycles. An unknown root
     * gives an empty list [GetTaskTree].
     */
    List<TaskState> getTaskTree(String rootStateId);

    /** Counts over the direct children of a task, from one grouped query [GetProgressInfo]. */
    ProgressInfo getProgressInfo(String parentStateId);

    /**
     * Writes all children of a parent in one transaction with batched statements; validates every child's
     * parent id first and writes nothing if one is wrong; any failure writes none of them. The parent must
     * exist and every child must belong to the parent's workflow execution.
     */
    void createChildStatesInTransaction(String parentStateId, List<TaskState> children);

    /**
     * Atomically moves up to {@code limit} PENDING tasks of the execution (oldest first) to RUNNING and
     * returns them: one statement with {@code FOR NO KEY UPDATE SKIP LOCKED}, so concurrent agents each get
     * different tasks and never wait for each other. The tasks get no lease (they never expire and no
     * claim takes them from their agent) and their fencing token advances, as with every claim; see
     * {@link #claimTasks(String, LeaseTerms, int)} for claims that survive a dead agent.
     */
    List<TaskState> claimPendingTasks(String workflowExecId, int limit);

    /** {@link #claimPendingTasks(String, int)} over every execution. */
    List<TaskState> claimPendingTasks(int limit);

    /**
     * Writes a child's state and settles its parent in one transaction on one connection: locks the
     * parent ({@code FOR NO KEY UPDATE}, so siblings completing at once queue here), writes the child,
     * counts the parent's children, and when the strategy says the parent is done (SUCCESS or FAILED)
     * and it is not final yet, sets the parent's status.
     *
     * <p>A child that is already finished is not changed: completing it with another status, output or
     * error throws {@link TaskAlreadyTerminalException} and leaves the parent untouched; completing it with
     * exactly its stored outcome again succeeds (a retry whose first answer was lost) and settles the
     * parent as a first completion would.
     */
    ChildCompletion completeChild(TaskState child, CompletionStrategy strategy);

    /**
     * Claims up to {@code limit} tasks of the execution for an agent, under a lease: expired leases first
     * (oldest expiry first), then PENDING tasks (oldest first), in one statement that never waits for
     * other claimers. Each claimed task becomes RUNNING with the agent as owner, a lease ending at the
     * database's {@code now()} plus the terms' duration, and a fencing token one greater than its last.
     * A task whose lease expired after {@link LeaseTerms#maxAttempts} claims is set FAILED (error code
     * {@value LeaseTerms#LEASE_EXPIRED}) instead and returned in {@link ClaimBatch#failed}.
     */
    ClaimBatch claimTasks(String workflowExecId, LeaseTerms terms, int limit);

    /** {@link #claimTasks(String, LeaseTerms, int)} over every execution. */
    ClaimBatch claimTasks(LeaseTerms terms, int limit);

    /**
     * Extends, in one statement, every given lease still held to the database's {@code now()} plus
     * {@code duration}; a lease is lost once another claim took its task or someone else finished, failed
     * or reset it (an expired lease not yet taken by anyone is still held, and extended). Only the lease
     * expiry changes: not {@code updated_at}, since the task's state does not.
     */
    HeartbeatResult heartbeat(Collection<Lease> leases, Duration duration);

    /**
     * For operators: moves up to {@code limit} RUNNING tasks whose lease has expired back to PENDING
     * (FAILED, error code {@value LeaseTerms#LEASE_EXPIRED}, once claimed {@code maxAttempts} times),
     * advancing their fencing token so their last owner's writes are refused. Claims do this on their own;
     * nothing needs to call it for expired tasks to be taken again.
     *
     * @return the tasks as stored now, PENDING or FAILED
     */
    List<TaskState> reclaimExpired(int maxAttempts, int limit);

    /**
     * {@link #upsertState(TaskState)} by the holder of a lease: written only while the lease's token is
     * the task's current one and the task is not finished (the same status, output and error again is an
     * idempotent repeat and succeeds).
     *
     * @throws StaleLeaseException when the task was claimed again since; nothing written
     * @throws TaskAlreadyTerminalException when the task is finished with another outcome; nothing written
     * @throws TaskNotFoundException when the task does not exist
     */
    TaskState upsertStateWithLease(Lease lease, TaskState state);

    /**
     * {@link #completeChild(TaskState, CompletionStrategy)} by the holder of a lease: the child is written
     * only while the lease's token is its current one; a refused write leaves child and parent untouched.
     *
     * @throws StaleLeaseException when the child was claimed again since
     * @throws TaskAlreadyTerminalException when the child is finished with another outcome
     */
    ChildCompletion completeChild(Lease lease, TaskState child, CompletionStrategy strategy);

    /**
     * Compare-and-set for code that does not hold leases: writes {@code updated} (as
     * {@link #upsertState(TaskState)} overwrites) only if the task's {@code updated_at} is still
     * {@code read.updatedAt()}, that is, nobody wrote the task since it was read. Every writer sets
     * {@code updated_at = now()}, the Go store included, so any write in between is seen.
     *
     * @throws TaskConflictException when the task was written since; nothing written
     * @throws TaskNotFoundException when the task does not exist
     */
    TaskState compareAndSetState(TaskState read, TaskState updated);

    /**
     * Locks the states with these ids until {@code tx} ends, always in id order, so two transactions
     * locking overlapping sets cannot deadlock; returns those that exist, in id order.
     */
    List<TaskState> getStatesForUpdate(Tx tx, Collection<String> taskExecIds);

    /**
     * Runs {@code work} in one transaction (joining the thread's open one) [WithTx]. Its exception rolls
     * back and propagates unchanged; a failed commit propagates as a {@link dev.compozy.store.core.StoreException}.
     */
    <E extends Exception> void withTx(TxConsumer<E> work) throws E;

    /** {@link #withTx} for work that returns a value. */
    <T, E extends Exception> T fromTx(TxFunction<T, E> work) throws E;

    /**
     * Runs {@code work} in a transaction of its own, again from the start when it fails with a deadlock or
     * serialization failure, as the policy allows; see {@link dev.compozy.store.Database#fromTx(RetryPolicy, TxFunction)}.
     */
    <E extends Exception> void withTx(RetryPolicy policy, TxConsumer<E> work) throws E;

    /** {@link #withTx(RetryPolicy, TxConsumer)} for work that returns a value. */
    <T, E extends Exception> T fromTx(RetryPolicy policy, TxFunction<T, E> work) throws E;
}
