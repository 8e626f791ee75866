package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {

    @ParameterizedTest
    @ValueSource(strings = {"0", "7", "-7", "9223372036854775807", "18446744073709551615"})
    void anIntegerWrittenAsAColumnPrintsItIsAnInteger(String id) {
        assertThat(Identifiers.canonicalInteger(id)).contains(new BigInteger(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"007", "+7", "-0", "\uFF17", "\u0667", "7\u0660", "7 ", " 7", "1e3", "0x7", "", "-", "7a",
            "99999999999999999999999999999999999999999"})
    void aLookAlikeOfAnIntegerIsNone(String id) {
        // fullwidth 7 and Arabic-Indic 7 are digits to Long.parseLong: they must not name contributor 7
        assertThat(Identifiers.canonicalInteger(id)).isEmpty();
    }
}
