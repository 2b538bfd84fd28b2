package example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** What the WAR carries when it declares the platform API as provided and the store with no exclusions. */
class WarContentsIT {

    private static List<String> libraries() throws Exception {
        try (ZipFile war = new ZipFile(System.getProperty("war.file"))) {
            return war.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.startsWith("WEB-INF/lib/") && name.endsWith(".jar"))
                    .map(name -> Path.of(name).getFileName().toString())
                    .toList();
        }
    }

    @Test
    void carriesTheStoreAndHibernateButNoJakartaEePlatformApi() throws Exception {
        List<String> libraries = libraries();

        assertThat(libraries)
                .anyMatch(jar -> jar.startsWith("compozy-store-"))
                .anyMatch(jar -> jar.startsWith("hibernate-core-"));
        // XML Binding is not part of the Jakarta EE 11 platform API; Hibernate reads mapping files with it.
        assertThat(libraries)
                .filteredOn(jar -> jar.startsWith("jakarta."))
                .allMatch(jar -> jar.startsWith("jakarta.xml.bind-api-"));
    }
}
