package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * One cold {@code Store.open} and close in this JVM, timed: run it in a fresh JVM per measurement with the
 * class path a user has (the store's jar and its runtime dependencies, an SLF4J binding), as
 * src/site/benchmarks/store-open.md shows.
 *
 * <p>Arguments: a connection string, then {@code migrate} to open with {@code autoMigrate} (on a database
 * that is already up to date, the common case at an application's start).
 */
public final class StoreOpenMain {
    private StoreOpenMain() {
    }

    public static void main(String[] args) {
        long started = System.nanoTime();
        StoreConfig config = StoreConfig.builder().connString(args[0])
                .autoMigrate(args.length > 1 && args[1].equals("migrate")).build();
        long opened;
        try (Store store = Store.open(config)) {
            opened = System.nanoTime();
        }
        System.out.printf(Locale.ROOT, "open_ms=%.1f jvm_start_to_open_ms=%d%n", (opened - started) / 1e6,
                ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - opened) / 1_000_000);
    }
}
