package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.Driver;

/**
 * {@code postgres://} URLs read as libpq reads them. The first table is the keyword/value pairs libpq
 * produces for each URL: the successes and failures of libpq's own URI regression corpus
 * (src/interfaces/libpq/t/001_uri.pl, which pgx's parser is tested against too), its documented
 * multi-host form, and the cases of the issue. The second table is what the store makes of them.
 */
class ConnectionUrlTest {

    static Stream<Arguments> libpqKeywords() {
        return Stream.of(
                Arguments.of(
                        "postgresql://uri-user:secret@host:12345/db",
                        Map.of(
                                "user",
                                "uri-user",
                                "password",
                                "secret",
                                "host",
                                "host",
                                "port",
                                "12345",
                                "dbname",
                                "db")),
                Arguments.of(
                        "postgresql://uri-user@host:12345/db",
                        Map.of("user", "uri-user", "host", "host", "port", "12345", "dbname", "db")),
                Arguments.of(
                        "postgresql://uri-user@host/db", Map.of("user", "uri-user", "host", "host", "dbname", "db")),
                Arguments.of("postgresql://host:12345/db", Map.of("host", "host", "port", "12345", "dbname", "db")),
                Arguments.of(
                        "postgresql://uri-user@host:12345/",
                        Map.of("user", "uri-user", "host", "host", "port", "12345")),
                Arguments.of("postgresql://uri-user@", Map.of("user", "uri-user")),
                Arguments.of("postgresql://host:12345", Map.of("host", "host", "port", "12345")),
                Arguments.of("postgresql://host/", Map.of("host", "host")),
                Arguments.of("postgresql://", Map.of()),
                Arguments.of("postgresql://%68ost/", Map.of("host", "host")),
                Arguments.of(
                        "postgresql://host/db?user=uri-user&port=12345",
                        Map.of("host", "host", "dbname", "db", "user", "uri-user", "port", "12345")),
                Arguments.of(
                        "postgresql://host/db?u%73er=someotheruser&port=12345",
                        Map.of("host", "host", "dbname", "db", "user", "someotheruser", "port", "12345")),
                Arguments.of(
                        "postgresql://host:12345?user=uri-user",
                        Map.of("host", "host", "port", "12345", "user", "uri-user")),
                Arguments.of("postgresql://host?", Map.of("host", "host")),
                Arguments.of("postgresql://[::1]:12345/db", Map.of("host", "::1", "port", "12345", "dbname", "db")),
                Arguments.of("postgresql://[2001:db8::1234]/", Map.of("host", "2001:db8::1234")),
                Arguments.of("postgres:///db", Map.of("dbname", "db")),
                Arguments.of("postgres://uri-user@/db", Map.of("user", "uri-user", "dbname", "db")),
                Arguments.of("postgres://?host=/path/to/socket/dir", Map.of("host", "/path/to/socket/dir")),
                Arguments.of("postgres://@host", Map.of("host", "host")),
                Arguments.of("postgres://host:/", Map.of("host", "host")),
                Arguments.of("postgres://:12345/", Map.of("port", "12345")),
                Arguments.of(
                        "postgres://otheruser@:12345/db?host=/path/to/socket",
                        Map.of("user", "otheruser", "port", "12345", "dbname", "db", "host", "/path/to/socket")),
                Arguments.of(
                        "postgres://%2Fvar%2Flib%2Fpostgresql/dbname",
                        Map.of("host", "/var/lib/postgresql", "dbname", "dbname")),
                Arguments.of(
                        "postgresql://host?  user = uri-user & port  = 12345 ",
                        Map.of("host", "host", "user", "uri-user", "port", "12345")),
                Arguments.of("postgresql://host?sslmode=verify-full", Map.of("host", "host", "sslmode", "verify-full")),
                // libpq's multi-host form: positionally aligned lists, an empty port meaning the default.
                Arguments.of("postgres://h1,h2:5433/db", Map.of("host", "h1,h2", "port", ",5433", "dbname", "db")),
                Arguments.of(
                        "postgres://h1:1,h2:2,h3:3/db", Map.of("host", "h1,h2,h3", "port", "1,2,3", "dbname", "db")),
                Arguments.of(
                        "postgres://[::1]:5432,[::2]/db", Map.of("host", "::1,::2", "port", "5432,", "dbname", "db")),
                Arguments.of("postgres://h1:1,h2:2/db?port=9", Map.of("host", "h1,h2", "port", "9", "dbname", "db")),
                // The issue's cases: '+' is literal, a scope of an IPv6 address is percent-decoded.
                Arguments.of(
                        "postgres://u:a+b@host/my+db",
                        Map.of("user", "u", "password", "a+b", "host", "host", "dbname", "my+db")),
                Arguments.of(
                        "postgres://[fe80::1%25eth0]:5433/db",
                        Map.of("host", "fe80::1%eth0", "port", "5433", "dbname", "db")),
                Arguments.of(
                        "postgres://u:p%40ss%2Fw%3Ard@h/db",
                        Map.of("user", "u", "password", "p@ss/w:rd", "host", "h", "dbname", "db")),
                Arguments.of(
                        "postgres://h/db?options=-c%20statement_timeout%3D5000",
                        Map.of("host", "h", "dbname", "db", "options", "-c statement_timeout=5000")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("libpqKeywords")
    void aPostgresUrlYieldsTheKeywordsLibpqReadsFromIt(String url, Map<String, String> keywords) {
        assertThat(ConnectionKeywords.of(url)).isEqualTo(keywords);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("libpqFailures")
    void aUrlLibpqRefusesIsRefused(String url) {
        assertThatThrownBy(() -> ConnectionKeywords.of(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connString:");
    }

    static Stream<String> libpqFailures() {
        return Stream.of(
                "postgres://[::1",
                "postgres://[]",
                "postgres://[::1]z",
                "postgresql://host?zzz",
                "postgresql://host?value1&value2",
                "postgresql://host?key=key=value",
                "postgres://host?dbname=%XXfoo",
                "postgresql://a%00b",
                "postgresql://%zz",
                "postgresql://%1",
                "postgresql://%",
                "postgresql://host?  user user  =  uri  & port = 12345 12 ",
                "postgresql://host?  user  =  uri-user  & port = 12345 12 ");
    }

    @Test
    void aRawSlashOrAtInTheDatabaseNameIsRefusedWhereLibpqWouldTakeIt() {
        // libpq reads dbname "995@h/db" here; it is the tail of a password with an unencoded '/'.
        assertThatThrownBy(() -> ConnectionKeywords.of("postgres://u:123/995@h/db"))
                .hasMessageStartingWith("connString: the database name contains an unencoded '/' or '@'")
                .hasMessageNotContaining("995");
    }

    @Test
    void severalHostsKeepTheirOwnPortsAndTheDefaultWhereTheyNameNone() {
        StoreConfig config = StoreConfig.builder()
                .port(6000)
                .connString("postgres://h1:5433,[::1],h3/db")
                .build();

        assertThat(config.hosts()).containsExactly("h1:5433", "[::1]:6000", "h3:6000");
        assertThat(config.host()).isEqualTo("h1");
        assertThat(config.jdbcUrl()).startsWith("jdbc:postgresql://h1:5433,[::1]:6000,h3:6000/db?");
    }

    @Test
    void oneQueryPortAppliesToEveryHost() {
        assertThat(StoreConfig.builder()
                        .connString("postgres://h1,h2/db?port=7000")
                        .build()
                        .hosts())
                .containsExactly("h1:7000", "h2:7000");
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("postgres://h1,h2,h3/db?port=1,2")
                        .build())
                .hasMessage("connString: 2 ports for 3 hosts");
    }

    @Test
    void aScopedIpv6HostReachesTheDriverWithItsScope() {
        StoreConfig config = StoreConfig.builder()
                .connString("postgres://[fe80::1%25eth0]:5433/db")
                .build();

        assertThat(config.host()).isEqualTo("fe80::1%eth0");
        assertThat(Driver.parseURL(config.connectUrl(), null).getProperty("PGHOST"))
                .isEqualTo("[fe80::1%eth0]");
    }

    @Test
    void theGoServicesWholePgxPoolConfigurationIsAccepted() {
        StoreConfig config = StoreConfig.builder()
                .connString("postgres://u@h/db?pool_max_conns=9&pool_min_conns=2"
                        + "&pool_min_idle_conns=1&pool_max_conn_lifetime=1h&pool_max_conn_lifetime_jitter=5m"
                        + "&pool_max_conn_idle_time=30m&pool_health_check_period=1m")
                .build();

        assertThat(config.maxPoolSize()).isEqualTo(9);
        assertThat(config.parameters()).isEmpty();
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("postgres://u@h/db?pool_max_conn_lifetime=soon")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool_max_conn_lifetime");
    }

    @Test
    void libpqParametersBecomeTheDriversOrTheStoresSettings() {
        StoreConfig config = StoreConfig.builder()
                .connString("postgresql://h/db?sslmode=verify-full"
                        + "&sslrootcert=/etc/ca.pem&sslcert=/etc/c.pem&sslkey=/etc/c.key&target_session_attrs=read-write"
                        + "&keepalives=1&load_balance_hosts=random&channel_binding=require&require_auth=scram-sha-256"
                        + "&gssencmode=disable&krbsrvname=pg&sslnegotiation=direct&connect_timeout=10&application_name=worker"
                        + "&options=-c%20statement_timeout%3D5s%20-c%20search_path%3Dapp%20--idle-in-transaction-session-timeout%3D1min"
                        + "&pool_max_conns=7&pool_min_conns=1&pool_health_check_period=1m30s")
                .build();

        assertThat(config.sslMode()).isEqualTo("verify-full");
        assertThat(config.parameters())
                .containsExactly(
                        Map.entry("sslrootcert", "/etc/ca.pem"),
                        Map.entry("sslcert", "/etc/c.pem"),
                        Map.entry("sslkey", "/etc/c.key"),
                        Map.entry("targetServerType", "primary"),
                        Map.entry("tcpKeepAlive", "true"),
                        Map.entry("loadBalanceHosts", "true"),
                        Map.entry("channelBinding", "require"),
                        Map.entry("requireAuth", "scram-sha-256"),
                        Map.entry("gssEncMode", "disable"),
                        Map.entry("kerberosServerName", "pg"),
                        Map.entry("sslNegotiation", "direct"));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.applicationName()).isEqualTo("worker");
        assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.idleInTransactionTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.serverOptions()).isEqualTo("-c search_path=app");
        assertThat(config.maxPoolSize()).isEqualTo(7);
        assertThat(config.minIdle()).isEqualTo(1);
        assertThat(config.healthCheckPeriod()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void fallbackApplicationNameAppliesOnlyWhenNothingElseNamesOne() {
        String url = "postgres://h/db?fallback_application_name=fallback";

        assertThat(StoreConfig.builder().connString(url).build().applicationName())
                .isEqualTo("fallback");
        assertThat(StoreConfig.builder()
                        .connString(url)
                        .applicationName("mine")
                        .build()
                        .applicationName())
                .isEqualTo("mine");
        assertThat(StoreConfig.builder()
                        .connString(url + "&application_name=url")
                        .build()
                        .applicationName())
                .isEqualTo("url");
    }

    @Test
    void aUnixSocketHostIsRefusedNamingTheParameterNotIgnored() {
        for (String url :
                List.of("postgres:///db?host=/var/run/postgresql", "postgres://%2Fvar%2Frun%2Fpostgresql/db")) {
            assertThatThrownBy(() -> StoreConfig.builder().connString(url).build())
                    .hasMessageStartingWith("connString: host 1 is a Unix-domain socket path");
        }
    }

    @Test
    void libpqParametersTheDriverCannotHonourAreRefusedByName() {
        for (String name : List.of("hostaddr", "passfile", "sslcrl", "sslsni", "keepalives_idle", "requirepeer")) {
            assertThatThrownBy(() -> StoreConfig.builder()
                            .connString("postgres://h/db?" + name + "=x")
                            .build())
                    .hasMessageStartingWith("connString: parameter '" + name + "' is a libpq parameter");
        }
    }

    @Test
    void anUnknownParameterIsRefusedByPositionNotQuoted() {
        assertThatThrownBy(() -> StoreConfig.builder()
                        .connString("postgres://h/db?sslmode=disable&tcpKeepalive=true")
                        .build())
                .hasMessageStartingWith("connString: query parameter 2 is not a libpq or pgjdbc parameter")
                .hasMessageNotContaining("tcpKeepalive");
    }

    @Test
    void aJdbcUrlIsReadByPgjdbcsOwnParser() {
        // pgjdbc form-decodes its query ('+' is a space there) and reads missing ports as 5432.
        StoreConfig config = StoreConfig.builder()
                .port(6000)
                .connString("jdbc:postgresql://h1:5433,h2/my%2Bdb?ApplicationName=a+b&tcpKeepAlive=true")
                .build();

        assertThat(config.hosts()).containsExactly("h1:5433", "h2:5432");
        assertThat(config.dbName()).isEqualTo("my+db");
        assertThat(config.applicationName()).isEqualTo("a b");
        assertThat(config.parameters()).containsExactly(Map.entry("tcpKeepAlive", "true"));
    }

    @Test
    void theJdbcUrlOfAConfigReadsBackAsTheSameSettings() {
        StoreConfig config = StoreConfig.builder()
                .dbName("my+db x&y=é")
                .driverParameter("jaasApplicationName", "a b,c&d")
                .build();

        Properties read = Driver.parseURL(config.jdbcUrl(), null);

        assertThat(read.getProperty("PGDBNAME")).isEqualTo("my+db x&y=é");
        assertThat(read.getProperty("jaasApplicationName")).isEqualTo("a b,c&d");
        assertThat(StoreConfig.builder().connString(config.jdbcUrl()).build().dbName())
                .isEqualTo("my+db x&y=é");
    }
}
