package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * One cold {@code Store.open} and close in this JVM, timed: run it in a fresh JVM per measurement with the
 * class path a user has (the store's jar and its runtime dependencies, an SLF4J binding), as
 * src/site/benchmarks/store-open.md shows. Prints the wall time of the open, the CPU time the opening
 * thread spent in it, and the CPU time of the whole process until then (JIT and GC threads included),
 * which a loaded machine inflates far less than the wall time.
 *
 * <p>Arguments: a connection string, then {@code migrate} to open with {@code autoMigrate} (on a database
 * that is already up to date, the common case at an application's start).
 */
public final class StoreOpenMain {
    private StoreOpenMain() {}

    public static void main(String[] args) {
        var thread = ManagementFactory.getThreadMXBean();
        var process = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long started = System.nanoTime();
        long threadStarted = thread.getCurrentThreadCpuTime();
        StoreConfig config = StoreConfig.builder()
                .connString(args[0])
                .autoMigrate(args.length > 1 && args[1].equals("migrate"))
                .build();
        long opened;
        long threadCpu;
        long processCpu;
        try (Store store = Store.open(config)) {
            opened = System.nanoTime();
            threadCpu = thread.getCurrentThreadCpuTime() - threadStarted;
            processCpu = process.getProcessCpuTime();
        }
        System.out.printf(
                Locale.ROOT,
                "open_ms=%.1f open_thread_cpu_ms=%.1f process_cpu_ms=%.1f%n",
                (opened - started) / 1e6,
                threadCpu / 1e6,
                processCpu / 1e6);
    }
}
