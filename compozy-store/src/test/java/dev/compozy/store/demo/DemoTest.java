package dev.compozy.store.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.Status;
import dev.compozy.store.testing.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo (the README's first command) runs its whole scenario. */
class DemoTest extends IntegrationTest {

    @Test
    void agentsCompleteEveryChildAndTheWorkflowSucceeds() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        Demo.Outcome outcome = new Demo(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(store, new Demo.Options(300, 4, null), false);

        assertThat(outcome.workflow().status()).isEqualTo(Status.SUCCESS);
        assertThat(outcome.progress().successCount()).isEqualTo(300);
        assertThat(outcome.treeSize()).isEqualTo(301);
        assertThat(outcome.timings())
                .containsKeys(
                        "claimPendingTasks",
                        "completeChild",
                        "createChildStatesInTransaction",
                        "getTaskTree",
                        "getProgressInfo",
                        "completeWorkflow");
        assertThat(outcome.timings().get("completeChild").calls()).isEqualTo(300);
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains("completed 300/300 children (100%)", "workflow demo-pipeline: SUCCESS")
                .doesNotContain("\r");
        assertThat(count("SELECT count(*) FROM task_states WHERE status = 'SUCCESS'"))
                .isEqualTo(301);
    }

    @Test
    void theLiveModeRedrawsOneLine() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        new Demo(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(store, new Demo.Options(20, 2, null), true);

        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("\r[", "] 20/20", "completed 20/20 children");
    }

    @Test
    void optionsAreParsedAndCheckedNamingTheOption() {
        assertThat(Demo.parse(new String[] {"--tasks", "50", "--agents", "2", "--url", "postgres://h/db"}))
                .isEqualTo(new Demo.Options(50, 2, "postgres://h/db"));
        assertThat(Demo.parse(new String[] {"--help"})).isNull();
        assertThatThrownBy(() -> Demo.parse(new String[] {"--tasks", "many"})).hasMessageStartingWith("--tasks:");
        assertThatThrownBy(() -> Demo.parse(new String[] {"--agents", "0"})).hasMessageStartingWith("--agents:");
        assertThatThrownBy(() -> Demo.parse(new String[] {"--frobnicate"})).hasMessageContaining("unknown option");
    }
}
