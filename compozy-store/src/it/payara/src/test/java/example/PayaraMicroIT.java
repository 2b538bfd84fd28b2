package example;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * This WAR on Payara Micro 7 (a Java 21+ process of its own) on a PostgreSQL of the test's, driven over
 * HTTP: the service's writes commit in one container transaction, vanish together when it throws, and
 * read back.
 */
class PayaraMicroIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ItDatabase database;
    private static PayaraMicro server;

    @BeforeAll
    static void deploy() throws Exception {
        database = ItDatabase.start();
        server = PayaraMicro.deploy(
                Path.of(System.getProperty("payara.micro.jar")),
                Path.of(System.getProperty("war.file")),
                "store-example",
                Map.of(
                        "COMPOZY_JDBC_URL", database.url(),
                        "COMPOZY_JDBC_USER", database.user(),
                        "COMPOZY_JDBC_PASSWORD", database.password()));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (database != null) {
                database.close();
            }
        }
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/" + path))
                .timeout(Duration.ofSeconds(120))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theServiceCommitsTheWorkflowItsChildrenAndTheirCompletionInOneTransaction() throws Exception {
        HttpResponse<String> response = send("POST", "workflows/fan-out-commit?children=12");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(database.count(
                        "SELECT count(*) FROM workflow_states WHERE workflow_id = ? AND status = 'SUCCESS'",
                        "fan-out-commit"))
                .isEqualTo(1);
        assertThat(database.count(
                        "SELECT count(*) FROM task_states WHERE workflow_id = ? AND parent_state_id IS NOT NULL"
                                + " AND status = 'SUCCESS'",
                        "fan-out-commit"))
                .isEqualTo(12);
        assertThat(database.count(
                        "SELECT count(*) FROM task_states WHERE workflow_id = ? AND parent_state_id IS NULL"
                                + " AND status = 'SUCCESS'",
                        "fan-out-commit"))
                .isEqualTo(1);
    }

    @Test
    void aServiceThatThrowsLeavesNothingOfItsCallInTheDatabase() throws Exception {
        HttpResponse<String> response = send("POST", "workflows/fan-out-rollback/failing?children=12");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(500);
        assertThat(JSON.readTree(response.body()).get("error").asString())
                .isEqualTo("the service failed after writing fan-out-rollback");
        assertThat(database.count("SELECT count(*) FROM workflow_states WHERE workflow_id = ?", "fan-out-rollback"))
                .isZero();
        assertThat(database.count("SELECT count(*) FROM task_states WHERE workflow_id = ?", "fan-out-rollback"))
                .isZero();
        assertThat(send("GET", "workflows/fan-out-rollback").statusCode()).isEqualTo(404);
    }

    @Test
    void aCompletedWorkflowReadsBackWithEveryTask() throws Exception {
        JsonNode written =
                JSON.readTree(send("POST", "workflows/fan-out-read?children=3").body());

        HttpResponse<String> read = send("GET", "workflows/fan-out-read");

        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode execution = JSON.readTree(read.body());
        assertThat(execution.get("workflowExecId").asString())
                .isEqualTo(written.get("workflowExecId").asString());
        assertThat(execution.get("status").asString()).isEqualTo("SUCCESS");
        assertThat(execution.get("tasks").properties())
                .extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("fan-out", "child-0", "child-1", "child-2");
        assertThat(execution.get("tasks").properties())
                .extracting(entry -> entry.getValue().asString())
                .containsOnly("SUCCESS");
    }
}
