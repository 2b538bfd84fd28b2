package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConfigTest {

    @Test
    void defaultsAreTheSeeds() {
        StoreConfig config = StoreConfig.builder().build();

        assertThat(config.host()).isEqualTo("localhost");
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.user()).isEqualTo("postgres");
        assertThat(config.password()).isEmpty();
        assertThat(config.dbName()).isEqualTo("postgres");
        assertThat(config.sslMode()).isEqualTo("disable");
        assertThat(config.maxPoolSize()).isEqualTo(20);
        assertThat(config.minIdle()).isEqualTo(2);
        assertThat(config.healthCheckPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.autoMigrate()).isFalse();
        assertThat(config.treeDepthLimit()).isEqualTo(100);
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/postgres?sslmode=disable");
    }

    @Test
    void aPostgresUrlOverridesTheFieldsItNames() {
        StoreConfig config = StoreConfig.builder().host("ignored").port(1).connString(
                "postgres://app:s%40cret@db.example.internal:6543/orders?sslmode=require&application_name=x").build();

        assertThat(config.host()).isEqualTo("db.example.internal");
        assertThat(config.port()).isEqualTo(6543);
        assertThat(config.user()).isEqualTo("app");
        assertThat(config.password()).isEqualTo("s@cret");
        assertThat(config.dbName()).isEqualTo("orders");
        assertThat(config.sslMode()).isEqualTo("require");
        assertThat(config.jdbcUrl()).isEqualTo(
                "jdbc:postgresql://db.example.internal:6543/orders?sslmode=require&application_name=x");
    }

    @Test
    void aPostgresqlSchemeWithoutPortOrUserKeepsTheOtherFields() {
        StoreConfig config = StoreConfig.builder().user("me").connString("postgresql://host-only/db").build();

        assertThat(config.host()).isEqualTo("host-only");
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.user()).isEqualTo("me");
        assertThat(config.dbName()).isEqualTo("db");
    }

    @Test
    void aJdbcUrlIsParsedAndItsPasswordKeptOutOfTheUrl() {
        StoreConfig config = StoreConfig.builder()
                .connString("jdbc:postgresql://10.0.0.5:5433/app?user=svc&password=hunter2&sslmode=verify-full&tcpKeepAlive=true")
                .build();

        assertThat(config.host()).isEqualTo("10.0.0.5");
        assertThat(config.port()).isEqualTo(5433);
        assertThat(config.user()).isEqualTo("svc");
        assertThat(config.password()).isEqualTo("hunter2");
        assertThat(config.sslMode()).isEqualTo("verify-full");
        assertThat(config.parameters()).isEqualTo(Map.of("tcpKeepAlive", "true"));
        assertThat(config.jdbcUrl()).doesNotContain("hunter2").contains("tcpKeepAlive=true");
    }

    @Test
    void thePasswordNeverAppearsInToString() {
        StoreConfig config = StoreConfig.builder().password("hunter2").build();

        assertThat(config.toString()).doesNotContain("hunter2").contains("password=****");
        assertThat(StoreConfig.builder().build().toString()).contains("password=(none)");
    }

    @Test
    void invalidSettingsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> StoreConfig.builder().sslMode("sometimes").build()).hasMessageStartingWith("sslMode:");
        assertThatThrownBy(() -> StoreConfig.builder().port(0).build()).hasMessageStartingWith("port:");
        assertThatThrownBy(() -> StoreConfig.builder().host(" ").build()).hasMessageStartingWith("host:");
        assertThatThrownBy(() -> StoreConfig.builder().minIdle(30).build()).hasMessageStartingWith("minIdle:");
        assertThatThrownBy(() -> StoreConfig.builder().connString("mysql://x").build())
                .hasMessageStartingWith("connString:");
        assertThatThrownBy(() -> StoreConfig.builder().connString("postgres://u:pw@h:notaport/db").build())
                .hasMessageStartingWith("connString:").hasMessageNotContaining("pw");
    }

    @Test
    void everySslModeOfTheSpecIsAccepted() {
        for (String mode : new String[] {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}) {
            assertThat(StoreConfig.builder().sslMode(mode).build().sslMode()).isEqualTo(mode);
        }
    }

    @Test
    void environmentVariablesAreRead() {
        StoreConfig config = StoreConfig.fromEnvironment(Map.of(
                "COMPOZY_DB_HOST", "pg.internal",
                "COMPOZY_DB_PORT", "15432",
                "COMPOZY_DB_USER", "worker",
                "COMPOZY_DB_PASSWORD", "pw",
                "COMPOZY_DB_NAME", "compozy",
                "COMPOZY_DB_SSLMODE", "prefer",
                "COMPOZY_DB_MAX_POOL_SIZE", "8",
                "COMPOZY_DB_AUTO_MIGRATE", "true"));

        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://pg.internal:15432/compozy?sslmode=prefer");
        assertThat(config.user()).isEqualTo("worker");
        assertThat(config.password()).isEqualTo("pw");
        assertThat(config.maxPoolSize()).isEqualTo(8);
        assertThat(config.autoMigrate()).isTrue();
    }

    @Test
    void aUrlInTheEnvironmentWins() {
        StoreConfig config = StoreConfig.fromEnvironment(Map.of(
                "COMPOZY_DB_URL", "postgres://a@b:1/c", "COMPOZY_DB_HOST", "ignored"));

        assertThat(config.host()).isEqualTo("b");
        assertThat(config.port()).isEqualTo(1);
    }

    @Test
    void aPropertiesFileIsRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("store.properties");
        Files.writeString(file, """
                compozy.db.host=props-host
                compozy.db.port=6000
                compozy.db.name=props_db
                compozy.db.connect-timeout-ms=1500
                compozy.db.tree-depth-limit=7
                """);

        StoreConfig config = StoreConfig.fromProperties(file);

        assertThat(config.host()).isEqualTo("props-host");
        assertThat(config.port()).isEqualTo(6000);
        assertThat(config.dbName()).isEqualTo("props_db");
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.treeDepthLimit()).isEqualTo(7);
    }

    @Test
    void aNonNumericPortInPropertiesNamesTheKey() {
        Properties properties = new Properties();
        properties.setProperty("compozy.db.port", "five");

        assertThatThrownBy(() -> StoreConfig.fromProperties(properties)).hasMessageStartingWith("port:");
    }
}
