package example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Payara Micro in a process of its own, on a Java 21+ runtime found on this machine (the build itself
 * may run on Java 17), with one WAR deployed. Its log goes to payara-micro/server.log next to the WAR.
 */
final class PayaraMicro implements AutoCloseable {
    private static final int MINIMUM_JAVA = 21;
    private static final long START_TIMEOUT_SECONDS = 600;

    private final Process process;
    private final String baseUrl;

    private PayaraMicro(Process process, String baseUrl) {
        this.process = process;
        this.baseUrl = baseUrl;
    }

    /** Starts the server with the environment given, deploys the WAR and returns once it is deployed. */
    static PayaraMicro deploy(Path payaraJar, Path war, String contextRoot, Map<String, String> environment)
            throws IOException, InterruptedException {
        Path java = javaForPayara();
        int port = freePort();
        Path workDir = war.resolveSibling("payara-micro");
        Files.createDirectories(workDir);
        Path log = workDir.resolve("server.log");
        List<String> command = List.of(
                java.toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx512m",
                "-jar",
                payaraJar.toString(),
                "--deploy",
                war.toString(),
                "--contextroot",
                contextRoot,
                "--port",
                Integer.toString(port),
                "--nocluster",
                "--rootDir",
                workDir.resolve("root").toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        PayaraMicro server = new PayaraMicro(process, "http://localhost:" + port + "/" + contextRoot);
        try {
            server.awaitDeployment(log);
        } catch (IOException | RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    String baseUrl() {
        return baseUrl;
    }

    /**
     * Copies the server's output to the log and completes when Payara Micro reports itself ready; fails
     * when the deployment failed or the process ended first. Payara Micro reports ready even after a
     * failed deployment, so the log is read for that failure as well.
     */
    private void awaitDeployment(Path log) throws IOException, InterruptedException {
        CompletableFuture<Void> deployed = new CompletableFuture<>();
        PrintWriter logFile = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
        Thread copier = new Thread(
                () -> {
                    List<String> failures = new ArrayList<>();
                    try (logFile;
                            BufferedReader output = new BufferedReader(
                                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = output.readLine(); line != null; line = output.readLine()) {
                            logFile.println(line);
                            if (line.contains("Exception while deploying the app")
                                    || line.contains("Exception while preparing the app")
                                    || line.contains("Exception while loading the app")
                                    || line.contains("Deployment failed")) {
                                failures.add(line.strip());
                            }
                            if (line.contains("Payara Micro") && line.contains(" ready in ")) {
                                if (failures.isEmpty()) {
                                    deployed.complete(null);
                                } else {
                                    deployed.completeExceptionally(
                                            new IllegalStateException("the WAR did not deploy on Payara Micro ("
                                                    + failures.get(0) + "); see " + log));
                                }
                            }
                        }
                    } catch (IOException e) {
                        deployed.completeExceptionally(e);
                    }
                    deployed.completeExceptionally(
                            new IllegalStateException("Payara Micro ended before it was ready; see " + log));
                },
                "payara-micro-output");
        copier.setDaemon(true);
        copier.start();
        try {
            deployed.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Payara Micro was not ready within " + START_TIMEOUT_SECONDS + " s; see " + log);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    /**
     * The java launcher to run Payara Micro 7 with, which needs Java 21 or newer: the system property
     * {@code payara.java.home}, else the environment variable {@code PAYARA_JAVA_HOME}, else the newest
     * JDK of 21 or later under /usr/lib/jvm or /usr/java (Debian, RPM layouts), else this JVM if new enough.
     */
    static Path javaForPayara() {
        String configured = Optional.ofNullable(System.getProperty("payara.java.home"))
                .filter(s -> !s.isBlank())
                .orElse(System.getenv("PAYARA_JAVA_HOME"));
        if (configured != null && !configured.isBlank()) {
            Path java = Path.of(configured, "bin", "java");
            if (!Files.isExecutable(java) || majorVersion(Path.of(configured)) < MINIMUM_JAVA) {
                throw new IllegalStateException("payara.java.home / PAYARA_JAVA_HOME is " + configured
                        + ", which is not a Java " + MINIMUM_JAVA + "+ installation with bin/java");
            }
            return java;
        }
        List<Path> candidates = new ArrayList<>();
        for (String root : List.of("/usr/lib/jvm", "/usr/java")) {
            Path dir = Path.of(root);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> homes = Files.list(dir)) {
                    homes.filter(home -> Files.isExecutable(home.resolve("bin/java")))
                            .forEach(candidates::add);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
                }
            }
        }
        candidates.add(Path.of(System.getProperty("java.home")));
        return candidates.stream()
                .filter(home -> majorVersion(home) >= MINIMUM_JAVA)
                .max(Comparator.comparingInt(PayaraMicro::majorVersion))
                .map(home -> home.resolve("bin/java"))
                .orElseThrow(() -> new IllegalStateException("Payara Micro 7 needs Java " + MINIMUM_JAVA
                        + " or newer and none was found (looked under /usr/lib/jvm, /usr/java and java.home "
                        + System.getProperty("java.home") + "); install one (e.g. Temurin 25) or point "
                        + "-Dpayara.java.home / PAYARA_JAVA_HOME at it"));
    }

    /** The feature release of a Java installation, read from its release file; 0 when there is none. */
    private static int majorVersion(Path javaHome) {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(release, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            return 0;
        }
        String version = properties.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
        String feature = version.startsWith("1.") ? version.substring(2) : version;
        try {
            return Integer.parseInt(feature.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Stops the server (its shutdown hook undeploys the application) and waits for the process to end. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
