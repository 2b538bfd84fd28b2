package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pgjdbc parameter that loads a class, uses a file of its own choosing or replaces a TLS check is
 * refused from a connection string of either form, naming the parameter and never quoting its value, and
 * is accepted from code.
 */
class RefusedDriverParameterTest {
    private static final String VALUE = "org.example.Value4711";

    static Stream<String> refused() {
        return Stream.of(
                "socketFactory",
                "socketFactoryArg",
                "sslfactory",
                "sslfactoryarg",
                "sslhostnameverifier",
                "sslpasswordcallback",
                "authenticationPluginClassName",
                "connectExecutor",
                "connectExecutorArg",
                "xmlFactoryFactory",
                "classLoaderStrategy",
                "loggerFile",
                "loggerLevel",
                "service");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedFromAPostgresUrlNamingTheParameter(String name) {
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("postgres://h/db?sslmode=verify-full&" + name + "=" + VALUE)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connString: parameter '" + name + "' is refused")
                .hasMessageNotContaining(VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedFromAJdbcUrlNamingTheParameter(String name) {
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("jdbc:postgresql://h/db?" + name + "=" + VALUE)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connString: parameter '" + name + "' is refused")
                .hasMessageNotContaining(VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedFromTheEnvironment(String name) {
        assertThatThrownBy(() -> StoreConfig.fromEnvironment(
                        java.util.Map.of("COMPOZY_DB_URL", "postgresql://h/db?" + name + "=" + VALUE)))
                .hasMessageContaining("'" + name + "'")
                .hasMessageNotContaining(VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isAcceptedFromCode(String name) {
        assertThat(StoreConfig.builder().driverParameter(name, VALUE).build().parameters())
                .containsEntry(name, VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isOnTheRefusedListTheParserUses(String name) {
        assertThat(DriverParameters.REFUSED).contains(name);
        assertThat(DriverParameters.isDriverParameter(name)).isTrue();
    }
}
