package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.compozy.store.core.StoreException;
import dev.compozy.store.testing.IntegrationTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Only a connection-class SQLState (08xxx, the server ending the session) makes the pool discard a
 * connection; a statement the server refuses, such as 0A000 "feature not supported" (what Citus answers
 * for many statements), leaves the connection in the pool.
 */
class ConnectionLossClassificationTest extends IntegrationTest {
    private static final String APP = "compozy-classify";
    /** PostgreSQL refuses a row lock on an aggregate with 0A000 (feature_not_supported). */
    private static final String FEATURE_NOT_SUPPORTED = "SELECT count(*) FROM task_states FOR UPDATE";

    @Test
    void aFeatureNotSupportedStatementErrorKeepsTheConnectionInThePool() throws Exception {
        try (Store single = Store.open(db.config().toBuilder()
                .applicationName(APP)
                .maxPoolSize(1)
                .minIdle(1)
                .build())) {
            int before = backendPid(single);

            assertThatThrownBy(() -> single.database().execute(FEATURE_NOT_SUPPORTED))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.sqlState()).isEqualTo("0A000"));

            assertThat(backendPid(single)).isEqualTo(before);
        }
    }

    @Test
    void aConnectionLostInUseIsEvictedAndReplaced() throws Exception {
        try (Store single = Store.open(db.config().toBuilder()
                .applicationName(APP)
                .maxPoolSize(1)
                .minIdle(1)
                .build())) {
            int before;
            try (Connection connection = single.database().dataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                before = pid(statement);
                execute("SELECT pg_terminate_backend(?)", before);

                assertThatThrownBy(() -> statement.executeQuery("SELECT 1"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(SqlStates.isConnectionLoss(e.getSQLState()))
                                        .isTrue());
            }

            assertThat(backendPid(single)).isNotEqualTo(before);
        }
    }

    @Test
    void onlySessionEndingStatesCountAsConnectionLoss() {
        assertThat(SqlStates.isConnectionLoss("08006")).isTrue();
        assertThat(SqlStates.isConnectionLoss("57P01")).isTrue();
        assertThat(SqlStates.isConnectionLoss("25P03")).isTrue();
        assertThat(SqlStates.isConnectionLoss("0A000")).isFalse();
        assertThat(SqlStates.isConnectionLoss("57014")).isFalse();
        assertThat(SqlStates.isConnectionLoss(null)).isFalse();
    }

    /** The backend behind the pool's one connection, read through the pool. */
    private static int backendPid(Store store) throws SQLException {
        try (Connection connection = store.database().dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            return pid(statement);
        }
    }

    private static int pid(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
            row.next();
            return row.getInt(1);
        }
    }
}
