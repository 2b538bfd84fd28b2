package dev.compozy.store.bench;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;

/**
 * Run in a fresh JVM by {@link SchemaCostMain}: times {@code Store.open} (the JVM's first one, so class
 * loading and Hibernate's bootstrap included) and prints it. Arguments: host, port, user, password,
 * database, autoMigrate (true or false).
 */
public final class OpenProbe {
    private OpenProbe() {}

    public static void main(String[] args) {
        StoreConfig config = StoreConfig.builder()
                .host(args[0])
                .port(Integer.parseInt(args[1]))
                .user(args[2])
                .password(args[3])
                .dbName(args[4])
                .autoMigrate(Boolean.parseBoolean(args[5]))
                .build();
        long started = System.nanoTime();
        try (Store store = Store.open(config)) {
            long elapsed = System.nanoTime() - started;
            System.out.println("openMicros=" + elapsed / 1000);
        }
    }
}
