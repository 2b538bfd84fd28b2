package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The tenant schema setting: read like every other setting, validated before any connection. */
class SchemaSettingTest {

    @Test
    void theSchemaIsReadFromTheBuilderTheEnvironmentAndProperties() {
        Properties properties = new Properties();
        properties.setProperty("compozy.db.schema", "tenant_p");

        assertThat(StoreConfig.builder().schema("tenant_b").build().schema()).isEqualTo("tenant_b");
        assertThat(StoreConfig.fromEnvironment(Map.of("COMPOZY_DB_SCHEMA", "tenant_e"))
                        .schema())
                .isEqualTo("tenant_e");
        assertThat(StoreConfig.fromProperties(properties).schema()).isEqualTo("tenant_p");
        assertThat(StoreConfig.builder().build().schema()).isNull();
    }

    @Test
    void aUrlsCurrentSchemaWinsOverTheBuilderAndTravelsToTheDriver() {
        StoreConfig config = StoreConfig.builder()
                .schema("tenant_b")
                .connString("postgres://app@db/compozy?currentSchema=tenant_u")
                .build();

        assertThat(config.schema()).isEqualTo("tenant_u");
        assertThat(config.parameters()).doesNotContainKey("currentSchema");
        assertThat(new PgDataSource(config).property("currentSchema")).isEqualTo("tenant_u");
        assertThat(config.jdbcUrl()).endsWith("currentSchema=tenant_u");
        assertThat(config.toBuilder().build().schema()).isEqualTo("tenant_u");
    }

    @Test
    void aSchemaThatIsNotAPlainLowerCaseIdentifierIsRefusedNamingTheField() {
        for (String bad : new String[] {"", "Tenant", "tenant-a", "1tenant", "a;drop", "pg_tenant", "t".repeat(64)}) {
            assertThatThrownBy(() -> StoreConfig.builder().schema(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("schema: ");
        }
        assertThatThrownBy(() ->
                        StoreConfig.fromEnvironment(Map.of("COMPOZY_DB_URL", "postgres://h/db?currentSchema=a%22b")))
                .hasMessageStartingWith("schema: ");
        assertThatThrownBy(() ->
                        Migrations.update(new PgDataSource(StoreConfig.builder().build()), "x y", IndexProfile.DEFAULT))
                .hasMessageStartingWith("schema: ");
    }

    @Test
    void currentSchemaIsASettingOfItsOwnNotADriverParameter() {
        assertThatThrownBy(() -> StoreConfig.builder().driverParameter("currentSchema", "tenant_a"))
                .hasMessageStartingWith("driverParameter: ");
    }
}
