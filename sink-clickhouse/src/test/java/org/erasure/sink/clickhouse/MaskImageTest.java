package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.erasure.sink.runtime.spi.StoreException;
import org.junit.jupiter.api.Test;

/** The before-image encoding: round trip, split under the size bound, values as exact bytes. */
class MaskImageTest {

    private static MaskImage image(int groups, int hashesPerGroup) {
        List<MaskImage.Group> list = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            byte[] value = ("person." + g + "@example.test\u0000\u00ff").getBytes(StandardCharsets.ISO_8859_1);
            list.add(new MaskImage.Group(Long.toString(1000 + g), Arrays.asList(value, null), hashesPerGroup,
                    LongStream.range(0, hashesPerGroup).map(h -> h * 7919 - Long.MAX_VALUE / 3).boxed().toList()));
        }
        return new MaskImage(MaskImage.VERSION, "contributor_id", List.of("contributor_id", "event_time"), List.of("email", "note"),
                Arrays.asList("DELETED_USER", null), list);
    }

    @Test
    void roundTripKeepsBytesNullsAndHashes() {
        MaskImage before = image(3, 5);
        byte[] json = before.toJson();
        MaskImage after = MaskImage.fromJson(json);
        assertThat(after.layout()).isEqualTo(before.layout());
        assertThat(after.masks()).containsExactly("DELETED_USER", null);
        for (int g = 0; g < 3; g++) {
            assertThat(after.groups().get(g).v().get(0)).isEqualTo(before.groups().get(g).v().get(0));
            assertThat(after.groups().get(g).v().get(1)).isNull();
            assertThat(after.groups().get(g).h()).isEqualTo(before.groups().get(g).h());
        }
        assertThat(new String(json, StandardCharsets.ISO_8859_1)).as("values are base64, not text").doesNotContain("@example.test");
    }

    @Test
    void aLargeImageIsSplitUnderTheBoundWithEveryGroupOnce() {
        MaskImage big = image(400, 100); // ~2,000 bytes per group
        assertThat(big.toJson().length).isGreaterThan(MaskImage.MAX_BYTES);
        List<byte[]> parts = big.encode();
        assertThat(parts).hasSizeGreaterThan(1).allMatch(p -> p.length <= MaskImage.MAX_BYTES);
        List<String> ids = parts.stream().flatMap(p -> MaskImage.fromJson(p).groups().stream()).map(MaskImage.Group::c).toList();
        assertThat(ids).hasSize(400).doesNotHaveDuplicates();
        assertThat(image(3, 5).encode()).hasSize(1);
    }

    @Test
    void anUnknownVersionOrGarbageIsAStoreErrorWithoutContent() {
        byte[] v2 = new String(image(1, 1).toJson(), StandardCharsets.UTF_8).replace("\"v\":1", "\"v\":2").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MaskImage.fromJson(v2)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.code()).isEqualTo("CH_RESTORE_IMAGE"));
        assertThatThrownBy(() -> MaskImage.fromJson("not json".getBytes(StandardCharsets.UTF_8))).isInstanceOf(StoreException.class)
                .hasMessageNotContaining("not json");
    }

    @Test
    void bytesLiteralEscapesEverythingOutsidePrintableAscii() {
        byte[] value = {'a', '\'', '\\', 0, (byte) 0xC3, (byte) 0xA9, 0x7F, 'z'};
        assertThat(Sql.bytes(value)).isEqualTo("'a\\'\\\\\\x00\\xC3\\xA9\\x7Fz'");
    }
}
