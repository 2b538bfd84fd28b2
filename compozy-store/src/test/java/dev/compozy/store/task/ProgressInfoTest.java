package dev.compozy.store.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.core.Status;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The counts, rates and overall status derived from children per status (no database needed). */
class ProgressInfoTest {

    private static ProgressInfo progress(String spec) {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        if (!spec.isBlank()) {
            for (String part : spec.trim().split("\\s+")) {
                String[] kv = part.split("=");
                counts.put(Status.valueOf(kv[0]), Integer.parseInt(kv[1]));
            }
        }
        return ProgressInfo.of(counts);
    }

    @Test
    void everyDerivedFieldFollowsFromTheCounts() {
        ProgressInfo p = progress("SUCCESS=4 FAILED=2 CANCELED=1 TIMED_OUT=1 RUNNING=3 WAITING=1 PAUSED=1 PENDING=7");

        assertThat(p.totalChildren()).isEqualTo(20);
        assertThat(p.successCount()).isEqualTo(4);
        assertThat(p.failedCount()).isEqualTo(2);
        assertThat(p.canceledCount()).isEqualTo(1);
        assertThat(p.timedOutCount()).isEqualTo(1);
        assertThat(p.terminalCount()).isEqualTo(8);
        assertThat(p.runningCount()).isEqualTo(5);
        assertThat(p.pendingCount()).isEqualTo(7);
        assertThat(p.completionRate()).isEqualTo(0.2);
        assertThat(p.failureRate()).isEqualTo(0.15);
        assertThat(p.statusCounts()).hasSize(8).containsEntry(Status.WAITING, 1);
    }

    @Test
    void noChildrenMeansZeroRatesAnEmptyStatusMapAndPending() {
        ProgressInfo p = progress("");

        assertThat(p.totalChildren()).isZero();
        assertThat(p.completionRate()).isZero();
        assertThat(p.failureRate()).isZero();
        assertThat(p.statusCounts()).isNotNull().isEmpty();
        for (CompletionStrategy strategy : CompletionStrategy.values()) {
            assertThat(p.overallStatus(strategy)).isEqualTo(Status.PENDING);
        }
    }

    @Test
    void statusCountsHoldOnlyStatusesPresent() {
        assertThat(progress("SUCCESS=2 PENDING=1").statusCounts()).containsOnlyKeys(Status.SUCCESS, Status.PENDING);
    }

    @Test
    void theDefaultStrategyIsWaitAll() {
        ProgressInfo p = progress("SUCCESS=1 RUNNING=1");
        assertThat(p.overallStatus()).isEqualTo(p.overallStatus(CompletionStrategy.WAIT_ALL));
    }

    @ParameterizedTest(name = "{0} with [{1}] -> {2}")
    @CsvSource({
        "WAIT_ALL,    SUCCESS=3,                    SUCCESS",
        "WAIT_ALL,    SUCCESS=2 RUNNING=1 FAILED=1, RUNNING",
        "WAIT_ALL,    SUCCESS=2 FAILED=1,           FAILED",
        "WAIT_ALL,    SUCCESS=2 TIMED_OUT=1,        FAILED",
        "WAIT_ALL,    SUCCESS=2 PENDING=1,          PENDING",
        "WAIT_ALL,    SUCCESS=2 CANCELED=1,         PENDING",
        "WAIT_ALL,    WAITING=1 SUCCESS=1,          RUNNING",
        "FAIL_FAST,   FAILED=1 RUNNING=5,           FAILED",
        "FAIL_FAST,   TIMED_OUT=1 PENDING=5,        FAILED",
        "FAIL_FAST,   SUCCESS=2,                    SUCCESS",
        "FAIL_FAST,   SUCCESS=1 PAUSED=1,           RUNNING",
        "FAIL_FAST,   SUCCESS=1 PENDING=1,          PENDING",
        "BEST_EFFORT, SUCCESS=1 FAILED=3,           SUCCESS",
        "BEST_EFFORT, FAILED=2 CANCELED=1,          FAILED",
        "BEST_EFFORT, SUCCESS=1 RUNNING=1,          RUNNING",
        "BEST_EFFORT, SUCCESS=1 PENDING=1,          PENDING",
        "RACE,        SUCCESS=1 RUNNING=9,          SUCCESS",
        "RACE,        FAILED=1 CANCELED=1,          FAILED",
        "RACE,        FAILED=1 RUNNING=1,           RUNNING",
        "RACE,        FAILED=1 PENDING=1,           PENDING",
    })
    void overallStatusFollowsTheStrategy(CompletionStrategy strategy, String counts, Status expected) {
        assertThat(progress(counts).overallStatus(strategy)).isEqualTo(expected);
    }
}
