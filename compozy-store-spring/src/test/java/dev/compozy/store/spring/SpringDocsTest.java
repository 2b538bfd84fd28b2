package dev.compozy.store.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.Migrations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Liquibase property the docs tell Boot users to set names the changelog the jar ships. */
class SpringDocsTest {

    @Test
    void theDocumentedChangeLogPropertyIsTheStoresChangelog() throws IOException {
        String property = "spring.liquibase.change-log=classpath:" + Migrations.CHANGELOG;

        assertThat(Files.readString(Path.of("../README.md"))).contains(property);
        assertThat(Files.readString(Path.of("../src/site/spring.md")))
                .contains(property)
                .contains("<include file=\"" + Migrations.CHANGELOG + "\"/>");
    }
}
