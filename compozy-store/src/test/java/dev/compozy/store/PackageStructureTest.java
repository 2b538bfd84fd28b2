package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/** The packages of the published classes depend on each other one way only, as jdeps reads the bytecode. */
class PackageStructureTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.compozy\\.\\S+)\\s+->\\s+(dev\\.compozy\\.\\S+)");

    @Test
    void noPackageDependsOnAPackageThatDependsOnIt() {
        Map<String, Set<String>> dependencies = packageDependencies(Path.of("target", "classes"));

        assertThat(dependencies).containsKeys("dev.compozy.store", "dev.compozy.store.task");
        assertThat(cycles(dependencies)).isEmpty();
    }

    @Test
    void theDomainPackagesDependOnNothingButCoreAndEachOtherDownwards() {
        Map<String, Set<String>> dependencies = packageDependencies(Path.of("target", "classes"));

        assertThat(dependencies.getOrDefault("dev.compozy.store.core", Set.of()))
                .isEmpty();
        assertThat(dependencies.get("dev.compozy.store.task")).containsOnly("dev.compozy.store.core");
        assertThat(dependencies.get("dev.compozy.store.workflow"))
                .containsOnly("dev.compozy.store.core", "dev.compozy.store.task");
    }

    private static Map<String, Set<String>> packageDependencies(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int status = jdeps.run(
                new PrintWriter(out),
                new PrintWriter(new StringWriter()),
                "-verbose:package",
                "-e",
                "dev\\.compozy\\..*",
                classes.toString());
        assertThat(status).as(out.toString()).isZero();
        Map<String, Set<String>> dependencies = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher edge = EDGE.matcher(line);
            if (edge.find()) {
                dependencies.computeIfAbsent(edge.group(1), p -> new TreeSet<>());
                if (!edge.group(1).equals(edge.group(2))) {
                    dependencies.get(edge.group(1)).add(edge.group(2));
                }
            }
        }
        return dependencies;
    }

    /** Every package from which a path of dependencies leads back to itself, with that path. */
    private static List<String> cycles(Map<String, Set<String>> dependencies) {
        List<String> cycles = new ArrayList<>();
        for (String start : dependencies.keySet()) {
            List<String> path = pathBack(start, start, dependencies, new TreeSet<>());
            if (path != null) {
                cycles.add(start + " -> " + String.join(" -> ", path));
            }
        }
        return cycles;
    }

    private static List<String> pathBack(String from, String target, Map<String, Set<String>> graph, Set<String> seen) {
        for (String next : graph.getOrDefault(from, Set.of())) {
            if (next.equals(target)) {
                return new ArrayList<>(List.of(next));
            }
            if (seen.add(next)) {
                List<String> rest = pathBack(next, target, graph, seen);
                if (rest != null) {
                    rest.add(0, next);
                    return rest;
                }
            }
        }
        return null;
    }
}
