package dev.compozy.store.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdTest {

    @Test
    void aNewIdIsATwentySevenCharacterBase62Ksuid() {
        String id = Id.newId();

        assertThat(id).hasSize(27).matches("[0-9A-Za-z]{27}");
        assertThat(Id.parse(id)).isEqualTo(id);
        assertThat(Id.isKsuid(id)).isTrue();
    }

    @Test
    void theTimestampRoundTripsAtSecondPrecision() {
        Instant time = Instant.parse("2026-11-24T10:15:30Z");

        assertThat(Id.timestamp(Id.newId(time))).isEqualTo(time);
    }

    @Test
    void idsSortByCreationTimeAsText() {
        String earlier = Id.newId(Instant.parse("2025-01-01T00:00:00Z"));
        String later = Id.newId(Instant.parse("2025-01-01T00:00:01Z"));

        assertThat(earlier).isLessThan(later);
    }

    @Test
    void tenThousandIdsAreDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Id.newId());
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void knownKsuidDecodesToItsTimestamp() {
        // The all-zero payload at the epoch and the maximum value bound the encoding.
        assertThat(Id.timestamp("000000000000000000000000000")).isEqualTo(Instant.ofEpochSecond(1_400_000_000L));
        assertThat(Id.timestamp("aWgEPTl1tmebfsQzFP4bxwgy80V"))
                .isEqualTo(Instant.ofEpochSecond(1_400_000_000L + 0xFFFF_FFFFL));
    }

    @Test
    void parseRejectsWhatIsNotAKsuid() {
        assertThatThrownBy(() -> Id.parse(null)).hasMessage("id: must not be null");
        assertThatThrownBy(() -> Id.parse("short")).hasMessageContaining("expected 27 characters, got 5");
        assertThatThrownBy(() -> Id.parse("0000000000000000000000000-0"))
                .hasMessageContaining("'-' at 25 is not base62");
        assertThatThrownBy(() -> Id.parse("zzzzzzzzzzzzzzzzzzzzzzzzzzz")).hasMessageContaining("exceeds 160 bits");
        assertThat(Id.isKsuid("not-an-id")).isFalse();
    }
}
