package dev.compozy.store.testing;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.task.ClaimBatch;
import dev.compozy.store.task.ClaimedTask;
import dev.compozy.store.task.LeaseTerms;
import java.io.IOException;
import java.time.Duration;

/**
 * Run in a JVM of its own, to be killed: claims tasks of one workflow execution under a lease, prints one
 * line {@code LEASE <task_exec_id> <token> <expires_at>} per task and then {@code HOLDING}, and holds them
 * until its standard input closes (it never does: the test kills it). Arguments: host, port, user,
 * password, database, workflow execution id, owner, lease in milliseconds, number of tasks.
 */
public final class LeaseHolderAgent {
    private LeaseHolderAgent() {}

    public static void main(String[] args) throws IOException {
        StoreConfig config = StoreConfig.builder()
                .host(args[0])
                .port(Integer.parseInt(args[1]))
                .user(args[2])
                .password(args[3])
                .dbName(args[4])
                .maxPoolSize(1)
                .minIdle(0)
                .build();
        LeaseTerms terms = LeaseTerms.of(args[6], Duration.ofMillis(Long.parseLong(args[7])));
        Store store = Store.open(config);
        ClaimBatch batch = store.taskRepository().claimTasks(args[5], terms, Integer.parseInt(args[8]));
        for (ClaimedTask task : batch.claimed()) {
            System.out.println("LEASE " + task.lease().taskExecId() + " "
                    + task.lease().token() + " " + task.lease().expiresAt());
        }
        System.out.println("HOLDING");
        System.out.flush();
        while (System.in.read() >= 0) {
            // holds its tasks, as an agent busy with them would, until it is killed
        }
        store.close();
    }
}
