package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import dev.compozy.store.testing.SecretLeakGuard;
import dev.compozy.store.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The secret ({@link TestDatabase#APP_PASSWORD}) written into every form of connection string the issue
 * names, well-formed and malformed: it appears in no exception (message, causes, stack trace), no
 * {@code toString} or {@code jdbcUrl}, and nothing logged meanwhile: the store's own loggers at TRACE
 * (test simplelogger.properties), the pool's configuration dump at DEBUG, Liquibase's log and the driver's
 * java.util.logging output at FINEST, all of which {@link SecretLeakGuard} reads after every test.
 */
class SecretLeakSweepTest extends IntegrationTest {
    private static final String SECRET = TestDatabase.APP_PASSWORD;
    private static final Logger DRIVER_LOG = Logger.getLogger("org.postgresql");
    private Level driverLevel;

    @BeforeEach
    void driverLogsEverything() {
        driverLevel = DRIVER_LOG.getLevel();
        DRIVER_LOG.setLevel(Level.FINEST);
    }

    @AfterEach
    void driverLogsAsBefore() {
        DRIVER_LOG.setLevel(driverLevel);
    }

    /** Forms that build: their secret must stay out of everything, whether the store opens or not. */
    static Stream<String> wellFormed() {
        return Stream.of(
                "postgres://" + TestDatabase.APP_USER + ":" + SECRET + "@HOST/" + TestDatabase.SHARED_DATABASE,
                "postgresql://" + TestDatabase.APP_USER + "@HOST/" + TestDatabase.SHARED_DATABASE + "?password="
                        + SECRET,
                "postgres://" + TestDatabase.APP_USER + "@HOST/" + TestDatabase.SHARED_DATABASE + "?sslpassword="
                        + SECRET,
                "jdbc:postgresql://HOST/" + TestDatabase.SHARED_DATABASE + "?user=" + TestDatabase.APP_USER
                        + "&password=" + SECRET + "&sslpassword=" + SECRET);
    }

    /** Forms that do not build: a password with an unencoded '/', '@', '&', '=', '%' or space, and refusals. */
    static Stream<String> malformed() {
        return Stream.of(
                "postgres://u:Slash_" + SECRET + "/995@h/db",
                "postgres://u:123/" + SECRET + "@h/db",
                "postgres://u:p@" + SECRET + "@h/db",
                "postgres://u:" + SECRET + "%zz@h/db",
                "postgres://u:" + SECRET + " x@h/db",
                "postgres://u@h/db?password=ab&" + SECRET + "=1",
                "postgres://u@h/db?password=ab&" + SECRET,
                "postgres://u@h/db?password=a=" + SECRET,
                "postgres://u@h/db?sslfactory=" + SECRET,
                "postgres://u@h/db?hostaddr=" + SECRET,
                "postgres://u@h/db?options=-c%20lock_timeout%3D" + SECRET,
                "postgres://u@h:" + SECRET + "/db",
                "jdbc:postgresql://u:" + SECRET + "@h/db",
                "jdbc:postgresql://h:" + SECRET + "/db",
                "jdbc:postgresql://h/db?password=a&" + SECRET,
                "jdbc:postgresql://h/db?password=%zz" + SECRET,
                "jdbc:postgresql://h/db?socketFactoryArg=" + SECRET);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedUrlFailsWithoutQuotingItsSecret(String url) {
        IllegalArgumentException failure = null;
        try {
            StoreConfig.builder().connString(url).build();
        } catch (IllegalArgumentException e) {
            failure = e;
        }

        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).startsWith("connString:");
        assertThat(everything(failure)).doesNotContain(SECRET);
        assertThat(StoreConfig.fromEnvironment(java.util.Map.of("COMPOZY_DB_URL", "postgres://h/db"))
                        .toString())
                .doesNotContain(SECRET);
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void aStoreOpensAndClosesOnEveryFormWithoutShowingItsSecret(String form) {
        StoreConfig config = StoreConfig.builder()
                .connString(form.replace("HOST", db.host() + ":" + db.port()))
                .build();

        assertThat(config.toString()).doesNotContain(SECRET);
        assertThat(config.jdbcUrl()).doesNotContain(SECRET);
        assertThat(config.parameters().values()).doesNotContain(SECRET);
        // autoMigrate: Liquibase logs the connection it migrates on (nothing left to apply here).
        try (Store opened = Store.open(config.toBuilder().autoMigrate(true).build())) {
            assertThat(opened.database().execute("SELECT 1")).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void aFailedOpenOnEveryFormShowsNoSecret(String form) throws Exception {
        for (String host : List.of("127.0.0.1:" + closedPort(), "127.0.0.1:" + db.port() + "/no_such_database_x")) {
            String url = host.contains("/")
                    ? form.replace("HOST/" + TestDatabase.SHARED_DATABASE, host)
                    : form.replace("HOST", host);
            StoreConfig config = StoreConfig.builder()
                    .connString(url)
                    .connectTimeout(Duration.ofMillis(500))
                    .build();
            RuntimeException failure = null;
            try (Store unexpected = Store.open(config)) {
                unexpected.database();
            } catch (RuntimeException e) {
                failure = e;
            }

            assertThat(failure).isInstanceOf(StoreException.class);
            assertThat(everything(failure)).doesNotContain(SECRET);
        }
    }

    /** Message, causes, suppressed exceptions and stack trace, as a log would print them. */
    private static String everything(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return trace + " " + failure;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
