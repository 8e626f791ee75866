package org.erasure.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.junit.jupiter.api.Test;

class BatchKeysTest {

    private static ErasureItem item(String id, String... emails) {
        return new ErasureItem(UUID.randomUUID(), id, new Identifiers(List.of(emails), List.of()), Mode.EXECUTE);
    }

    @Test
    void rowsFindTheirRequestByIdFirstThenByTheStoredEmailAsNormalised() {
        ErasureItem a = item("7", "a@example.org");
        ErasureItem b = item("x", "B@Example.org");
        BatchKeys keys = BatchKeys.of(List.of(a, b), id -> BatchKeys.integer(id, 64, false), true);
        assertThat(keys.ids()).containsExactly(BigInteger.valueOf(7));
        assertThat(keys.emails()).containsExactly("a@example.org", "b@example.org");
        assertThat(keys.owner(BigInteger.valueOf(7), "b@example.org")).isSameAs(a);
        assertThat(keys.owner(null, "  B@EXAMPLE.org ")).isSameAs(b);
        assertThat(keys.owner(BigInteger.TEN, "nobody@example.org")).isNull();
        assertThat(BatchKeys.of(List.of(a), id -> Optional.of(id), false).emails()).as("no email column").isEmpty();
        assertThat(BatchKeys.of(List.of(b), id -> BatchKeys.integer(id, 64, false), false).isEmpty()).isTrue();
    }

    @Test
    void integerIdsAreCanonicalAndInTheColumnsRange() {
        assertThat(BatchKeys.integer("255", 8, true)).contains(BigInteger.valueOf(255));
        assertThat(BatchKeys.integer("256", 8, true)).isEmpty();
        assertThat(BatchKeys.integer("-1", 8, true)).isEmpty();
        assertThat(BatchKeys.integer("-128", 8, false)).contains(BigInteger.valueOf(-128));
        assertThat(BatchKeys.integer("128", 8, false)).isEmpty();
        assertThat(BatchKeys.integer("9223372036854775807", 64, false)).contains(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(BatchKeys.integer("9223372036854775808", 64, false)).isEmpty();
        assertThat(BatchKeys.integer("18446744073709551615", 64, true)).isPresent();
        assertThat(BatchKeys.integer("007", 64, false)).as("not canonical").isEmpty();
        assertThat(BatchKeys.integer("abc", 64, false)).isEmpty();
    }
}
