package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The index profile is a setting like the others: builder, environment, properties, default. */
class IndexProfileConfigTest {

    @Test
    void theDefaultProfileIsTheGoStoresUnlessSet() {
        assertThat(StoreConfig.builder().build().indexProfile()).isEqualTo(IndexProfile.DEFAULT);
        assertThat(StoreConfig.fromEnvironment(Map.of()).indexProfile()).isEqualTo(IndexProfile.DEFAULT);
    }

    @Test
    void theBuilderTheEnvironmentAndPropertiesSelectTheLeanProfile() {
        Properties properties = new Properties();
        properties.setProperty("compozy.db.index-profile", "lean");

        assertThat(StoreConfig.builder().indexProfile(IndexProfile.LEAN).build().indexProfile())
                .isEqualTo(IndexProfile.LEAN);
        assertThat(StoreConfig.fromEnvironment(Map.of("COMPOZY_DB_INDEX_PROFILE", "LEAN"))
                        .indexProfile())
                .isEqualTo(IndexProfile.LEAN);
        assertThat(StoreConfig.fromProperties(properties).indexProfile()).isEqualTo(IndexProfile.LEAN);
    }

    @Test
    void toBuilderKeepsTheProfile() {
        StoreConfig lean = StoreConfig.builder().indexProfile(IndexProfile.LEAN).build();

        assertThat(lean.toBuilder().build().indexProfile()).isEqualTo(IndexProfile.LEAN);
        assertThat(lean.toString()).contains("indexProfile=LEAN");
    }

    @Test
    void anUnknownProfileFailsNamingTheSetting() {
        assertThatThrownBy(() -> StoreConfig.fromEnvironment(Map.of("COMPOZY_DB_INDEX_PROFILE", "fast")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("index-profile: not one of default, lean");
        assertThatThrownBy(() -> StoreConfig.builder().indexProfile(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("indexProfile: must not be null");
    }
}
