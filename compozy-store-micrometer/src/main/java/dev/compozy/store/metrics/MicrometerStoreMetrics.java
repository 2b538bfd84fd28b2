package dev.compozy.store.metrics;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.compozy.store.StoreMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * {@link StoreMetrics} on Micrometer (an optional dependency: add {@code io.micrometer:micrometer-core}).
 *
 * <ul>
 *   <li>{@value #OPERATIONS}: timer, tags {@code operation} (e.g. {@code getState}) and {@code outcome}
 *       ({@code success} or {@code error});</li>
 *   <li>{@value #LOCK_WAIT}: timer of row-lock acquisition, tag {@code operation};</li>
 *   <li>{@value #RETRIES}: counter of transaction retries, tag {@code sqlstate} ({@code 40P01}, {@code 40001});</li>
 *   <li>{@value #RETRIES_EXHAUSTED}: counter of retrying transactions that gave up, tag {@code sqlstate};</li>
 *   <li>{@code hikaricp.connections.*}: the pool's own metrics (active, idle, pending, usage, timeouts),
 *       tag {@code pool} = the store's application name.</li>
 * </ul>
 */
public final class MicrometerStoreMetrics implements StoreMetrics {
    public static final String OPERATIONS = "compozy.store.operations";
    public static final String LOCK_WAIT = "compozy.store.lock.wait";
    public static final String RETRIES = "compozy.store.transaction.retries";
    public static final String RETRIES_EXHAUSTED = "compozy.store.transaction.retries.exhausted";

    private final MeterRegistry registry;

    public MicrometerStoreMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void operation(String operation, long nanos, boolean failed) {
        Timer.builder(OPERATIONS)
                .description("repository operations")
                .tag("operation", operation)
                .tag("outcome", failed ? "error" : "success")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void lockWait(String operation, long nanos) {
        Timer.builder(LOCK_WAIT)
                .description("time to acquire row locks")
                .tag("operation", operation)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void retry(String sqlState) {
        Counter.builder(RETRIES)
                .description("transactions run again after a transient failure")
                .tag("sqlstate", String.valueOf(sqlState))
                .register(registry)
                .increment();
    }

    @Override
    public void retriesExhausted(String sqlState) {
        Counter.builder(RETRIES_EXHAUSTED)
                .description("retrying transactions that gave up")
                .tag("sqlstate", String.valueOf(sqlState))
                .register(registry)
                .increment();
    }

    @Override
    public void configurePool(HikariConfig pool) {
        pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }
}
