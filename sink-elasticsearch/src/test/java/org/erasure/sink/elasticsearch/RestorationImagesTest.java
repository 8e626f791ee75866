package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.sink.elasticsearch.DocumentMasker.Masked;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.junit.jupiter.api.Test;

/** The before-image encoding alone (no server): split under the size limit, read back whole, newest read wins. */
class RestorationImagesTest {
    private static final ErasureItem ITEM = new ErasureItem(UUID.randomUUID(), "7",
            Identifiers.of(List.of(), List.of("7")), Mode.EXECUTE);

    private static Masked masked(String pointer, String previous) {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("workerId", previous);
        return new Masked(pointer, "fp", p, Set.of(ITEM));
    }

    @Test
    void aLargeRequestIsSplitIntoImagesUnderTheLimitAndReadBackWhole() {
        RestorationImages.Builder b = new RestorationImages.Builder("project-*", "DELETED_USER");
        String big = "x".repeat(1_000);
        for (int d = 0; d < 2_000; d++) {
            b.add("idx", "doc-" + d, null, 1L, (long) d, List.of(masked("/judgments/0", big + d)));
        }
        List<BeforeImage> images = b.images();
        assertThat(images).hasSizeGreaterThan(1);
        images.forEach(i -> assertThat(i.content().length).isLessThanOrEqualTo(RestorationImages.MAX_IMAGE_BYTES + 100));
        images.forEach(i -> assertThat(i.requestId()).isEqualTo(ITEM.requestId()));
        List<RestorationImages.Doc> docs = RestorationImages.docs(images);
        assertThat(docs).hasSize(2_000);
        assertThat(docs.get(1_999).elements().getFirst().previous().get("workerId").asText()).isEqualTo(big + 1_999);
    }

    @Test
    void theNewestReadOfADocumentWinsPerPointer() {
        RestorationImages.Builder stale = new RestorationImages.Builder("t", "M");
        stale.add("idx", "d", "r", 1L, 5L, List.of(masked("/latest", "old"), masked("/judgments/1", "only-stale")));
        RestorationImages.Builder fresh = new RestorationImages.Builder("t", "M");
        fresh.add("idx", "d", "r", 1L, 9L, List.of(masked("/latest", "new")));
        List<BeforeImage> images = new java.util.ArrayList<>(stale.images());
        images.addAll(fresh.images());
        List<RestorationImages.Doc> docs = RestorationImages.docs(images);
        assertThat(docs).hasSize(1);
        assertThat(docs.getFirst().routing()).isEqualTo("r");
        assertThat(docs.getFirst().elements()).extracting(e -> e.pointer() + "=" + e.previous().get("workerId").asText())
                .containsExactly("/latest=new", "/judgments/1=only-stale");
    }

    @Test
    void theFingerprintIgnoresKeyOrderAndTheMaskedFields() throws Exception {
        ObjectNode a = (ObjectNode) RestorationImages.JSON.readTree("{\"workerId\":\"7\",\"answer\":\"yes\",\"at\":{\"x\":1,\"y\":2.50}}");
        ObjectNode reordered = (ObjectNode) RestorationImages.JSON.readTree("{\"at\":{\"y\":2.50,\"x\":1},\"answer\":\"yes\",\"workerId\":\"DELETED_USER\"}");
        ObjectNode other = (ObjectNode) RestorationImages.JSON.readTree("{\"workerId\":\"7\",\"answer\":\"no\",\"at\":{\"x\":1,\"y\":2.50}}");
        assertThat(RestorationImages.fingerprint(reordered, Set.of("workerId"))).isEqualTo(RestorationImages.fingerprint(a, Set.of("workerId")));
        assertThat(RestorationImages.fingerprint(other, Set.of("workerId"))).isNotEqualTo(RestorationImages.fingerprint(a, Set.of("workerId")));
    }
}
