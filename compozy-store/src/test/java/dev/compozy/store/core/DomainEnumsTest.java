package dev.compozy.store.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DomainEnumsTest {

    @Test
    void statusesAreStoredAsTheSpecsUpperCaseStrings() {
        assertThat(Arrays.stream(Status.values()).map(Status::dbValue))
                .containsExactly(
                        "PENDING", "RUNNING", "SUCCESS", "FAILED", "TIMED_OUT", "CANCELED", "WAITING", "PAUSED");
        for (Status status : Status.values()) {
            assertThat(Status.fromDb(status.dbValue())).isEqualTo(status);
        }
    }

    @Test
    void anUnknownOrDifferentlyCasedStatusIsAnError() {
        assertThatThrownBy(() -> Status.fromDb("COMPLETED")).hasMessageStartingWith("unknown status 'COMPLETED'");
        assertThatThrownBy(() -> Status.fromDb("success")).hasMessageStartingWith("unknown status 'success'");
        assertThatThrownBy(() -> Status.fromDb(null)).hasMessageStartingWith("unknown status 'null'");
    }

    @Test
    void terminalAndInProgressGroupsAreThoseOfTheProgressCounts() {
        assertThat(Arrays.stream(Status.values()).filter(Status::isTerminal))
                .containsExactly(Status.SUCCESS, Status.FAILED, Status.TIMED_OUT, Status.CANCELED);
        assertThat(Arrays.stream(Status.values()).filter(Status::isInProgress))
                .containsExactly(Status.RUNNING, Status.WAITING, Status.PAUSED);
    }

    @Test
    void componentsAndExecutionTypesAreStoredInLowerCase() {
        assertThat(Arrays.stream(Component.values()).map(Component::dbValue))
                .containsExactly("workflow", "task", "agent", "tool", "log");
        assertThat(Arrays.stream(ExecutionType.values()).map(ExecutionType::dbValue))
                .containsExactly(
                        "basic",
                        "router",
                        "parallel",
                        "collection",
                        "composite",
                        "wait",
                        "signal",
                        "aggregate",
                        "memory");
        assertThat(Arrays.stream(ExecutionType.values()).filter(ExecutionType::canHaveChildren))
                .containsExactly(
                        ExecutionType.PARALLEL,
                        ExecutionType.COLLECTION,
                        ExecutionType.COMPOSITE,
                        ExecutionType.AGGREGATE,
                        ExecutionType.MEMORY);
        assertThatThrownBy(() -> ExecutionType.fromDb("BASIC")).hasMessage("unknown execution type 'BASIC'");
        assertThatThrownBy(() -> Component.fromDb("robot")).hasMessage("unknown component 'robot'");
    }
}
