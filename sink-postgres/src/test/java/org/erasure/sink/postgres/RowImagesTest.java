package org.erasure.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.junit.jupiter.api.Test;

class RowImagesTest {

    @Test
    void aRequestsRowsAreSplitIntoImagesOfAtMostMaxBytesAndNothingIsLost() throws Exception {
        ErasureItem a = new ErasureItem(UUID.randomUUID(), "1", Identifiers.of(List.of(), List.of()), Mode.EXECUTE);
        ErasureItem b = new ErasureItem(UUID.randomUUID(), "2", Identifiers.of(List.of(), List.of()), Mode.EXECUTE);
        RowImages images = new RowImages();
        String row = "[\"(0,1)\", {\"id\": 1, \"note\": \"" + "x".repeat(1000) + "\"}]";
        for (int i = 0; i < 500; i++) {
            images.add(a, "jobs", RowImages.DELETE, row);
        }
        images.add(b, "people", RowImages.MASK, "[{\"id\": 2}, {\"email\": \"e\"}, {\"email\": \"DELETED_USER\"}]");

        List<BeforeImage> all = images.images();
        List<BeforeImage> ofA = all.stream().filter(i -> i.requestId().equals(a.requestId())).toList();
        assertThat(ofA).hasSizeGreaterThan(2).allSatisfy(i -> {
            assertThat(i.target()).isEqualTo("jobs");
            assertThat(i.content().length).isLessThanOrEqualTo(RowImages.MAX_BYTES + 32);
        });
        ObjectMapper json = new ObjectMapper();
        int rows = 0;
        for (BeforeImage i : ofA) {
            JsonNode node = json.readTree(i.content());
            assertThat(RowImages.kind(new String(i.content(), StandardCharsets.UTF_8))).isEqualTo(RowImages.DELETE);
            rows += node.get(RowImages.DELETE).size();
        }
        assertThat(rows).isEqualTo(500);
        BeforeImage ofB = all.stream().filter(i -> i.requestId().equals(b.requestId())).findFirst().orElseThrow();
        assertThat(RowImages.kind(new String(ofB.content(), StandardCharsets.UTF_8))).isEqualTo(RowImages.MASK);
        assertThat(json.readTree(ofB.content()).get(RowImages.MASK).size()).isEqualTo(1);
    }
}
