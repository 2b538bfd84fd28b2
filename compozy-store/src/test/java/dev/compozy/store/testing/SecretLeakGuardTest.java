package dev.compozy.store.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import java.net.ServerSocket;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The guard sees what the suite logs, and the store's own failure paths do not log the password. */
class SecretLeakGuardTest extends IntegrationTest {

    @Test
    void theGuardCapturesStandardErrorAndJavaUtilLogging() {
        int before = SecretLeakGuard.pending();
        System.err.println("a line on standard error");
        Logger.getLogger("dev.compozy.test").warning("a warning through java.util.logging");

        assertThat(SecretLeakGuard.pending()).isGreaterThan(before);
    }

    @Test
    void theGuardWouldFailATestThatLoggedThePassword() {
        SecretLeakGuard guard = new SecretLeakGuard();
        guard.afterEach(fakeContext());
        System.err.println("a careless log line: password=" + TestDatabase.APP_PASSWORD);

        assertThatThrownBy(() -> guard.afterEach(fakeContext()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("password appeared");
    }

    @Test
    void aFailedOpenWithThePasswordLogsNothingOfIt() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        StoreConfig config = db.config(TestDatabase.SHARED_DATABASE)
                .host("127.0.0.1")
                .port(port)
                .build();

        assertThatThrownBy(() -> Store.open(config)).hasMessageNotContaining(TestDatabase.APP_PASSWORD);
        assertThat(config.toString()).doesNotContain(TestDatabase.APP_PASSWORD);
    }

    private static org.junit.jupiter.api.extension.ExtensionContext fakeContext() {
        return (org.junit.jupiter.api.extension.ExtensionContext) java.lang.reflect.Proxy.newProxyInstance(
                SecretLeakGuardTest.class.getClassLoader(),
                new Class<?>[] {org.junit.jupiter.api.extension.ExtensionContext.class},
                (proxy, method, args) -> "getDisplayName".equals(method.getName()) ? "fake" : null);
    }
}
