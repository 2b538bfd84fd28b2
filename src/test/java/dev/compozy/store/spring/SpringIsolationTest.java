package dev.compozy.store.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Spring is an optional dependency: no class outside this package names a Spring type, so a plain Java
 * application without Spring on its class path never loads one (src/it/consumer checks that the
 * dependency does not reach it).
 */
class SpringIsolationTest {

    @Test
    void onlyTheSpringPackageReferencesSpringClasses() throws IOException, URISyntaxException {
        Path classes = Path.of(
                Store.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path integration = classes.resolve("dev/compozy/store/spring");
        List<Path> referencing;
        try (Stream<Path> files = Files.walk(classes)) {
            referencing = files.filter(file -> file.toString().endsWith(".class"))
                    .filter(file -> !file.startsWith(integration))
                    .filter(SpringIsolationTest::namesSpring)
                    .toList();
        }
        assertThat(Files.isDirectory(integration)).isTrue();
        assertThat(referencing).isEmpty();
    }

    private static boolean namesSpring(Path classFile) {
        try {
            // Class names in a class file's constant pool are UTF-8 with '/' separators.
            return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1)
                    .contains("org/springframework/");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
