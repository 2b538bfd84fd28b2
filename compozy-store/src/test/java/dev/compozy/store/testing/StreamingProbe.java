package dev.compozy.store.testing;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.task.TaskStateFilter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a JVM of its own with a small heap: reads every task of one workflow execution either through
 * {@code forEachState} ("stream") or {@code listStates} ("list") and prints how many it saw.
 * Arguments: mode, host, port, user, password, database, workflow execution id.
 */
public final class StreamingProbe {
    private StreamingProbe() {}

    public static void main(String[] args) {
        String mode = args[0];
        StoreConfig config = StoreConfig.builder()
                .host(args[1])
                .port(Integer.parseInt(args[2]))
                .user(args[3])
                .password(args[4])
                .dbName(args[5])
                .maxPoolSize(2)
                .minIdle(0)
                .build();
        TaskStateFilter filter =
                TaskStateFilter.builder().workflowExecId(args[6]).build();
        try (Store store = Store.open(config)) {
            long rows;
            if ("stream".equals(mode)) {
                AtomicLong seen = new AtomicLong();
                store.taskRepository().forEachState(filter, state -> seen.incrementAndGet());
                rows = seen.get();
            } else {
                rows = store.taskRepository().listStates(filter).size();
            }
            long peak = 0;
            for (java.lang.management.MemoryPoolMXBean pool :
                    java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.println("rows=" + rows + " peakHeapBytes=" + peak);
        }
    }
}
