package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        assertThat(config.lockTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.statementTimeout()).isNull();
        assertThat(config.idleInTransactionTimeout()).isNull();
        assertThat(config.applicationName()).isEqualTo("compozy-store");
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/postgres?sslmode=disable");
    }

    @Test
    void aPostgresUrlOverridesTheFieldsItNames() {
        StoreConfig config = StoreConfig.builder()
                .host("ignored")
                .port(1)
                .connString(
                        "postgres://app:s%40cret@db.example.internal:6543/orders?sslmode=require&application_name=x")
                .build();

        assertThat(config.host()).isEqualTo("db.example.internal");
        assertThat(config.port()).isEqualTo(6543);
        assertThat(config.user()).isEqualTo("app");
        assertThat(config.password()).isEqualTo("s@cret");
        assertThat(config.dbName()).isEqualTo("orders");
        assertThat(config.sslMode()).isEqualTo("require");
        assertThat(config.applicationName()).isEqualTo("x");
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.internal:6543/orders?sslmode=require");
    }

    @Test
    void aPostgresqlSchemeWithoutPortOrUserKeepsTheOtherFields() {
        StoreConfig config = StoreConfig.builder()
                .user("me")
                .connString("postgresql://host-only/db")
                .build();

        assertThat(config.host()).isEqualTo("host-only");
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.user()).isEqualTo("me");
        assertThat(config.dbName()).isEqualTo("db");
    }

    @Test
    void aJdbcUrlIsParsedAndItsPasswordKeptOutOfTheUrl() {
        StoreConfig config = StoreConfig.builder()
                .connString(
                        "jdbc:postgresql://10.0.0.5:5433/app?user=svc&password=hunter2&sslmode=verify-full&tcpKeepAlive=true")
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
        assertThatThrownBy(() -> StoreConfig.builder().sslMode("sometimes").build())
                .hasMessageStartingWith("sslMode:");
        assertThatThrownBy(() -> StoreConfig.builder().port(0).build()).hasMessageStartingWith("port:");
        assertThatThrownBy(() -> StoreConfig.builder().host(" ").build()).hasMessageStartingWith("host:");
        assertThatThrownBy(() -> StoreConfig.builder().minIdle(30).build()).hasMessageStartingWith("minIdle:");
        assertThatThrownBy(() -> StoreConfig.builder().connString("mysql://x").build())
                .hasMessageStartingWith("connString:");
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("postgres://u:pw@h:notaport/db")
                        .build())
                .hasMessageStartingWith("connString:")
                .hasMessageNotContaining("pw");
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
        StoreConfig config = StoreConfig.fromEnvironment(
                Map.of("COMPOZY_DB_URL", "postgres://a@b:1/c", "COMPOZY_DB_HOST", "ignored"));

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

    @Test
    void theUrlWinsForEverySettingItNamesTimeoutsIncluded() {
        StoreConfig config = StoreConfig.builder()
                .host("b-host")
                .port(1111)
                .user("b-user")
                .password("b-pw")
                .dbName("b-db")
                .sslMode("disable")
                .sslPassword("b-key-pw")
                .connectTimeout(Duration.ofSeconds(9))
                .applicationName("b-app")
                .lockTimeout(Duration.ofSeconds(8))
                .statementTimeout(Duration.ofSeconds(7))
                .idleInTransactionTimeout(Duration.ofSeconds(6))
                .maxPoolSize(11)
                .minIdle(5)
                .healthCheckPeriod(Duration.ofMinutes(5))
                .driverParameter("tcpKeepAlive", "false")
                .connString("postgres://u-user:u-pw@u-host:2222/u-db?sslmode=require&sslpassword=u-key-pw"
                        + "&connect_timeout=3&application_name=u-app&tcpKeepAlive=true&options=-c%20lock_timeout%3D100"
                        + "%20-c%20statement_timeout%3D200%20-c%20idle_in_transaction_session_timeout%3D300"
                        + "&pool_max_conns=4&pool_min_conns=1&pool_health_check_period=40s")
                .build();

        assertThat(settings(config))
                .containsExactly(
                        "u-host",
                        2222,
                        "u-user",
                        "u-pw",
                        "u-db",
                        "require",
                        "u-key-pw",
                        Map.of("tcpKeepAlive", "true"),
                        null,
                        4,
                        1,
                        Duration.ofSeconds(40),
                        Duration.ofSeconds(3),
                        false,
                        100,
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofMillis(300),
                        "u-app");
    }

    @Test
    void theBuildersValueAppliesToEverySettingTheUrlDoesNotName() {
        StoreConfig config = StoreConfig.builder()
                .host("b-host")
                .port(1111)
                .user("b-user")
                .password("b-pw")
                .dbName("b-db")
                .sslMode("prefer")
                .sslPassword("b-key-pw")
                .connectTimeout(Duration.ofSeconds(9))
                .applicationName("b-app")
                .lockTimeout(Duration.ofSeconds(8))
                .statementTimeout(Duration.ofSeconds(7))
                .idleInTransactionTimeout(Duration.ofSeconds(6))
                .maxPoolSize(11)
                .minIdle(5)
                .healthCheckPeriod(Duration.ofMinutes(5))
                .driverParameter("tcpKeepAlive", "false")
                .connString("postgres://")
                .build();

        assertThat(settings(config))
                .containsExactly(
                        "b-host",
                        1111,
                        "b-user",
                        "b-pw",
                        "b-db",
                        "prefer",
                        "b-key-pw",
                        Map.of("tcpKeepAlive", "false"),
                        null,
                        11,
                        5,
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(9),
                        false,
                        100,
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(7),
                        Duration.ofSeconds(6),
                        "b-app");
    }

    @Test
    void optionsInTheUrlKeepTheBuildersTimeoutsItDoesNotName() {
        StoreConfig config = StoreConfig.builder()
                .lockTimeout(Duration.ofMillis(200))
                .statementTimeout(Duration.ofSeconds(1))
                .connString("postgres://h/db?options=-c%20statement_timeout%3D5000%20-c%20search_path%3Dapp")
                .build();

        assertThat(config.lockTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.serverOptions()).isEqualTo("-c search_path=app");
    }

    @Test
    void toBuilderCarriesEverySettingSoThatLaterSettersApply() {
        StoreConfig original = StoreConfig.builder()
                .connString("postgres://u:pw@h1:5433,h2:5434/db?sslmode=verify-ca"
                        + "&sslpassword=kp&tcpKeepAlive=true&application_name=app&connect_timeout=4"
                        + "&options=-c%20search_path%3Dapp%20-c%20lock_timeout%3D1s")
                .idleInTransactionTimeout(Duration.ofMinutes(2))
                .autoMigrate(true)
                .treeDepthLimit(9)
                .build();

        assertThat(settings(original.toBuilder().build())).isEqualTo(settings(original));
        assertThat(original.toBuilder().build().hosts()).isEqualTo(original.hosts());

        StoreConfig moved =
                original.toBuilder().host("h3").port(6000).sslMode("require").build();
        assertThat(moved.hosts()).containsExactly("h3:6000");
        assertThat(moved.sslMode()).isEqualTo("require");
        assertThat(moved.parameters()).containsEntry("tcpKeepAlive", "true");
    }

    @Test
    void theLockTimeoutCanBeTurnedOffOrLeftToTheServer() {
        assertThat(StoreConfig.builder().lockTimeout(Duration.ZERO).build().lockTimeout())
                .isZero();
        assertThat(StoreConfig.builder().lockTimeout(null).build().lockTimeout())
                .isNull();
        assertThat(StoreConfig.fromEnvironment(Map.of("COMPOZY_DB_LOCK_TIMEOUT_MS", "0"))
                        .lockTimeout())
                .isZero();
    }

    @Test
    void theTlsKeyPasswordIsKeptOutOfParametersUrlAndToString() {
        StoreConfig config = StoreConfig.builder()
                .connString("postgres://h/db?sslpassword=k3y-pw&sslkey=/k.pk8")
                .build();

        assertThat(config.sslPassword()).isEqualTo("k3y-pw");
        assertThat(config.parameters()).containsOnlyKeys("sslkey");
        assertThat(config.jdbcUrl()).doesNotContain("k3y-pw");
        assertThat(config.toString()).doesNotContain("k3y-pw").contains("sslPassword=****");
    }

    @Test
    void theNewSettingsAreReadFromTheEnvironment() {
        StoreConfig config = StoreConfig.fromEnvironment(Map.of(
                "COMPOZY_DB_SSLPASSWORD",
                "kp",
                "COMPOZY_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                "60000",
                "COMPOZY_DB_URL",
                "postgres://h/db?connect_timeout=2",
                "COMPOZY_DB_CONNECT_TIMEOUT_MS",
                "9000"));

        assertThat(config.sslPassword()).isEqualTo("kp");
        assertThat(config.idleInTransactionTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void codeSetsDriverParametersButNotThoseWithSettingsOfTheirOwn() {
        StoreConfig config = StoreConfig.builder()
                .driverParameter("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory")
                .driverParameter("sslfactoryarg", "arg-value")
                .build();

        assertThat(config.parameters()).containsEntry("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
        assertThat(config.jdbcUrl()).contains("sslfactoryarg=****").doesNotContain("arg-value");
        assertThatThrownBy(() -> StoreConfig.builder().driverParameter("password", "x"))
                .hasMessage("driverParameter: 'password' has a builder method of its own");
        assertThatThrownBy(() -> StoreConfig.builder().driverParameter("noSuchParameter", "x"))
                .hasMessage("driverParameter: not a PostgreSQL JDBC driver parameter");
    }

    /** Every setting, in the order of the builder's methods. */
    private static List<Object> settings(StoreConfig c) {
        return java.util.Arrays.asList(
                c.host(),
                c.port(),
                c.user(),
                c.password(),
                c.dbName(),
                c.sslMode(),
                c.sslPassword(),
                c.parameters(),
                c.serverOptions(),
                c.maxPoolSize(),
                c.minIdle(),
                c.healthCheckPeriod(),
                c.connectTimeout(),
                c.autoMigrate(),
                c.treeDepthLimit(),
                c.lockTimeout(),
                c.statementTimeout(),
                c.idleInTransactionTimeout(),
                c.applicationName());
    }
}
