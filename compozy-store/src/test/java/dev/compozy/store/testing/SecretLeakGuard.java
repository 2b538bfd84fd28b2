package dev.compozy.store.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (META-INF/services, autodetection on): copies everything written to
 * standard output, standard error and java.util.logging during the suite, and fails the test during
 * which {@link TestDatabase#APP_PASSWORD} appeared in any of it.
 */
public final class SecretLeakGuard implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
    private static boolean installed;

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context.getDisplayName() + " (class setup and teardown)");
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        System.setOut(tee(System.out));
        System.setErr(tee(System.err));
        Handler handler = new Handler() {
            private final SimpleFormatter formatter = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                byte[] line = formatter.format(record).getBytes(StandardCharsets.UTF_8);
                synchronized (CAPTURED) {
                    CAPTURED.write(line, 0, line.length);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger.getLogger("").addHandler(handler);
    }

    private static PrintStream tee(PrintStream original) {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (CAPTURED) {
                    CAPTURED.write(b);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                original.write(bytes, offset, length);
                synchronized (CAPTURED) {
                    CAPTURED.write(bytes, offset, length);
                }
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        return new PrintStream(both, true, StandardCharsets.UTF_8);
    }

    private static void check(String where) {
        String text;
        synchronized (CAPTURED) {
            text = CAPTURED.toString(StandardCharsets.UTF_8);
            CAPTURED.reset();
        }
        if (text.contains(TestDatabase.APP_PASSWORD)) {
            throw new AssertionError("the store's password appeared in the log output of " + where);
        }
    }

    /** How many characters were looked at since the last check; for the guard's own test. */
    static int pending() {
        synchronized (CAPTURED) {
            return CAPTURED.size();
        }
    }
}
