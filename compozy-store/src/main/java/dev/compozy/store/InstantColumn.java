package dev.compozy.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.postgresql.PGResultSetMetaData;

/**
 * Reads one {@code timestamptz} column of many rows. Once the driver has server-prepared a statement,
 * PostgreSQL sends such a column in binary: microseconds since 2000-01-01 UTC in 8 bytes. Turning those
 * straight into an Instant skips the four java.time objects the driver's OffsetDateTime is built from
 * (a sixth of the bytes a task list allocated). Text values and the infinities go the driver's way.
 *
 * <p>It can be deleted, every column then read through {@link Jdbc#instant}, once pgjdbc turns a binary
 * {@code timestamptz} into an Instant without those intermediate objects (42.7's {@code getObject} takes
 * no {@code Instant.class} and builds its OffsetDateTime through them).
 */
final class InstantColumn {
    private static final long SECONDS_FROM_UNIX_TO_POSTGRES_EPOCH = 946_684_800L;
    private static final int BINARY = 1;

    private final int column;
    private ResultSet checked;
    private boolean binary;

    public InstantColumn(int column) {
        this.column = column;
    }

    public Instant read(ResultSet row) throws SQLException {
        if (row != checked) {
            checked = row;
            binary = isBinary(row);
        }
        if (binary) {
            byte[] raw = row.getBytes(column);
            if (raw == null) {
                return null;
            }
            if (raw.length == Long.BYTES) {
                long micros = bigEndianLong(raw);
                if (micros != Long.MAX_VALUE && micros != Long.MIN_VALUE) {
                    return Instant.ofEpochSecond(
                            SECONDS_FROM_UNIX_TO_POSTGRES_EPOCH + Math.floorDiv(micros, 1_000_000L),
                            Math.floorMod(micros, 1_000_000L) * 1_000L);
                }
            }
        }
        return Jdbc.instant(row, column);
    }

    private boolean isBinary(ResultSet row) throws SQLException {
        var metaData = row.getMetaData();
        return metaData.isWrapperFor(PGResultSetMetaData.class)
                && metaData.unwrap(PGResultSetMetaData.class).getFormat(column) == BINARY;
    }

    private static long bigEndianLong(byte[] bytes) {
        long value = 0;
        for (byte b : bytes) {
            value = (value << 8) | (b & 0xFF);
        }
        return value;
    }
}
