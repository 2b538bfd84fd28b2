package dev.compozy.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.compozy.store.testing.PostgresExtension;
import dev.compozy.store.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.PGStatement;

/**
 * timestamptz read straight from PostgreSQL's binary form agrees with the driver, in both formats, whether
 * the column is read row after row or once (as a write's RETURNING row is).
 */
@ExtendWith(PostgresExtension.class)
class InstantColumnTest {
    private static final String TIMESTAMPS = """
            SELECT t FROM (VALUES
                (1, timestamptz '2026-11-24 06:45:12.345678+00'),
                (2, timestamptz '1999-12-31 23:59:59.999999+00'),
                (3, timestamptz '2000-01-01 00:00:00+00'),
                (4, timestamptz '1970-01-01 00:00:00.000001+00'),
                (5, timestamptz '0001-01-01 00:00:00+00'),
                (6, timestamptz '4000-06-30 12:00:00.5+02'),
                (7, NULL),
                (8, timestamptz 'infinity'),
                (9, timestamptz '-infinity')) v(n, t)
            ORDER BY n""";

    /** -1: the driver server-prepares at once and asks for binary; 0: never, so the column comes as text. */
    @ParameterizedTest
    @ValueSource(ints = {-1, 0})
    void readsTheSameInstantsAsTheDriver(int prepareThreshold, TestDatabase db) throws SQLException {
        try (Connection connection = db.connect(TestDatabase.SHARED_DATABASE);
                PreparedStatement statement = connection.prepareStatement(TIMESTAMPS)) {
            statement.unwrap(PGStatement.class).setPrepareThreshold(prepareThreshold);
            InstantColumn column = new InstantColumn(1);
            List<Instant> read = new ArrayList<>();
            List<Instant> readOnce = new ArrayList<>();
            List<Instant> driver = new ArrayList<>();

            try (ResultSet rows = statement.executeQuery()) {
                assertThat(rows.getMetaData().unwrap(PGResultSetMetaData.class).getFormat(1))
                        .isEqualTo(prepareThreshold == -1 ? 1 : 0);
                while (rows.next()) {
                    read.add(column.read(rows));
                    readOnce.add(InstantColumn.read(rows, 1));
                    OffsetDateTime value = rows.getObject(1, OffsetDateTime.class);
                    driver.add(value == null ? null : value.toInstant());
                }
            }

            assertThat(read).hasSize(9).containsExactlyElementsOf(driver);
            assertThat(readOnce).containsExactlyElementsOf(driver);
            assertThat(read.get(0)).isEqualTo(Instant.parse("2026-11-24T06:45:12.345678Z"));
            assertThat(read.get(1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
        }
    }
}
