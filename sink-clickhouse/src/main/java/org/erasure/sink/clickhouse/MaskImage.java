package org.erasure.sink.clickhouse;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.erasure.sink.runtime.spi.StoreException;

/**
 * What one mask mutation is about to change for one request in one table, kept as a before-image (JSON):
 * the columns it masks (and their mask: a value, or null for the {@code null} strategy), the columns that find a
 * row again (the contributor column and the sorting-key columns, hashed), and per contributor id and previous
 * values the row count and the hashes of the rows' sorting keys. Values are the bytes of {@code toString(col)}
 * (base64 in JSON; null for NULL): exact for String/FixedString, ClickHouse's text form for other types.
 *
 * <p>Holds personal data: only ever serialised into a {@code BeforeImage} (sealed by the runtime), never logged.
 *
 * @param id      the contributor column
 * @param keys    the contributor column and the other sorting-key columns, hashed into {@link Group#h} ({@code reinterpretAsInt64(cityHash64(keys))})
 * @param columns the masked columns
 * @param masks   per masked column its mask value (null: the {@code null} strategy)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record MaskImage(int v, String id, List<String> keys, List<String> columns, List<String> masks, List<Group> groups) {
    static final int VERSION = 1;
    /** Content bound per image (the runtime's records carry ~256 KiB); a request's groups are split beyond it. */
    static final int MAX_BYTES = org.erasure.sink.runtime.spi.BeforeImage.MAX_BYTES;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Rows of one contributor id that held the same previous values.
     *
     * @param c the contributor column's value as {@code toString} prints it
     * @param v the previous values, one per masked column (bytes of {@code toString}, null for NULL)
     * @param n the rows
     * @param h the distinct sorting-key hashes of those rows
     */
    record Group(String c, List<byte[]> v, long n, List<Long> h) {}

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MaskImage fromJson(byte[] content) {
        try {
            MaskImage image = JSON.readValue(content, MaskImage.class);
            if (image.v() != VERSION) {
                throw new StoreException("CH_RESTORE_IMAGE", "before-image version " + image.v() + " is not supported");
            }
            return image;
        } catch (IOException e) {
            throw new StoreException("CH_RESTORE_IMAGE", "before-image does not parse (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The same image split so that each part stays under {@link #MAX_BYTES} (a lone group is never split). */
    List<byte[]> encode() {
        byte[] whole = toJson();
        if (whole.length <= MAX_BYTES || groups.size() <= 1) {
            return List.of(whole);
        }
        int half = groups.size() / 2;
        List<byte[]> out = new ArrayList<>(withGroups(groups.subList(0, half)).encode());
        out.addAll(withGroups(groups.subList(half, groups.size())).encode());
        return out;
    }

    private MaskImage withGroups(List<Group> part) {
        return new MaskImage(v, id, keys, columns, masks, List.copyOf(part));
    }

    /** Same table layout (images of one target from different runs or configurations are restored apart). */
    String layout() {
        return id + "|" + keys + "|" + columns + "|" + masks;
    }
}
