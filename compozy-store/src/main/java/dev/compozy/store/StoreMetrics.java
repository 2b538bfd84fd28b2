package dev.compozy.store;

import com.zaxxer.hikari.HikariConfig;

/**
 * Where the store reports what it does; every method defaults to doing nothing.
 * {@code MicrometerStoreMetrics} (module compozy-store-micrometer) reports to a Micrometer registry.
 */
public interface StoreMetrics {
    /** Reports nothing. */
    StoreMetrics NONE = new StoreMetrics() {};

    /** One repository operation (such as {@code getState}) finished after {@code nanos}, or failed. */
    default void operation(String operation, long nanos, boolean failed) {}

    /** Taking a row lock for {@code operation} took {@code nanos}, waiting for other holders included. */
    default void lockWait(String operation, long nanos) {}

    /** A retrying transaction failed transiently with this SQLState and runs again. */
    default void retry(String sqlState) {}

    /** A retrying transaction failed transiently on its last allowed attempt. */
    default void retriesExhausted(String sqlState) {}

    /** Called with the store's own pool configuration before the pool starts. */
    default void configurePool(HikariConfig pool) {}
}
