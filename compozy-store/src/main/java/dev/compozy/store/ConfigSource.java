package dev.compozy.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads a {@link StoreConfig} from {@code COMPOZY_DB_*} environment variables or {@code compozy.db.*}
 * properties: one key per builder setting, unset or blank keys keep the builder's default, and the URL
 * ({@code COMPOZY_DB_URL}) wins over the keys for what it names, as everywhere else.
 */
final class ConfigSource {
    private final Function<String, String> lookup;

    private ConfigSource(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** {@code max-pool-size} is read from {@code COMPOZY_DB_MAX_POOL_SIZE}. */
    static ConfigSource environment(Map<String, String> environment) {
        return new ConfigSource(key -> environment.get(StoreConfig.ENV_PREFIX
                + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')));
    }

    /** {@code max-pool-size} is read from {@code compozy.db.max-pool-size}. */
    static ConfigSource properties(Properties properties) {
        return new ConfigSource(key -> properties.getProperty(StoreConfig.PROPERTY_PREFIX + key));
    }

    static ConfigSource file(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read store properties from " + file + ": " + e.getMessage(), e);
        }
        return properties(properties);
    }

    StoreConfig read() {
        StoreConfig.Builder b = StoreConfig.builder();
        apply("url", b::connString);
        apply("host", b::host);
        apply("port", v -> b.port(whole("port", v)));
        apply("user", b::user);
        apply("password", b::password);
        apply("name", b::dbName);
        apply("sslmode", b::sslMode);
        apply("sslpassword", b::sslPassword);
        apply("max-pool-size", v -> b.maxPoolSize(whole("max-pool-size", v)));
        apply("min-idle", v -> b.minIdle(whole("min-idle", v)));
        apply("health-check-period-ms", v -> b.healthCheckPeriod(millis("health-check-period-ms", v)));
        apply("connect-timeout-ms", v -> b.connectTimeout(millis("connect-timeout-ms", v)));
        apply("auto-migrate", v -> b.autoMigrate(Boolean.parseBoolean(v.trim())));
        apply("index-profile", v -> b.indexProfile(IndexProfile.parse(v)));
        apply("tree-depth-limit", v -> b.treeDepthLimit(whole("tree-depth-limit", v)));
        apply("application-name", b::applicationName);
        apply("schema", b::schema);
        apply("lock-timeout-ms", v -> b.lockTimeout(millis("lock-timeout-ms", v)));
        apply("statement-timeout-ms", v -> b.statementTimeout(millis("statement-timeout-ms", v)));
        apply(
                "idle-in-transaction-timeout-ms",
                v -> b.idleInTransactionTimeout(millis("idle-in-transaction-timeout-ms", v)));
        return b.build();
    }

    private void apply(String key, Consumer<String> setter) {
        String value = lookup.apply(key);
        if (value != null && !value.isBlank()) {
            setter.accept(value);
        }
    }

    private static Duration millis(String key, String value) {
        return Duration.ofMillis(whole(key, value));
    }

    private static int whole(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a whole number", e);
        }
    }
}
