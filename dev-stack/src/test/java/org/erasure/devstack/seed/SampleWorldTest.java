package org.erasure.devstack.seed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SampleWorldTest {

    private final SampleWorld world = new SampleWorld(1_000, Instant.parse("2026-11-01T00:00:00Z"));

    @Test
    void isDeterministic() {
        SampleWorld again = new SampleWorld(1_000, Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(again.contributor(417)).isEqualTo(world.contributor(417));
        assertThat(again.esDocument(1234)).isEqualTo(world.esDocument(1234));
        assertThat(world.contributor(0).id()).isEqualTo(SampleWorld.FIRST_ID);
        assertThat(world.contributor(0).email()).isEqualTo("contributor.1000000@example.test");
    }

    @Test
    void hasThePromisedSizesPerContributor() {
        // about 10 ES documents, 100 ClickHouse rows, 2 S3 objects and 3 Redis keys per contributor
        assertThat(IntStream.of(0, 1, 500, 999).mapToLong(world::esDocumentsOf)).allMatch(n -> n >= 9 && n <= 11);
        assertThat((long) world.esDocumentCount() * SampleWorld.ES_WORKERS_PER_DOC).isBetween(10_000L, 10_002L);
        assertThat(world.clickHouseRowsPerContributor()).isEqualTo(100);
        assertThat(world.s3ObjectCount()).isEqualTo(2_000);
        assertThat(world.s3VersionCount()).isEqualTo(2_200);
        assertThat(world.redisKeyCount()).isEqualTo(3_000);
        assertThat(world.esIndices()).hasSize(5).allMatch(i -> i.startsWith("project-"));
    }

    @Test
    void neighboursShareDocuments() {
        SampleWorld.UnitDocument doc = world.esDocument(10);
        assertThat(doc.workers()).extracting(SampleWorld.Contributor::index).containsExactly(30, 31, 32);
        assertThat(doc.latest().index()).isEqualTo(32);
    }

    @Test
    void isolatedWorldsUseDisjointIds() {
        SampleWorld a = SampleWorld.isolated(1_000);
        SampleWorld b = SampleWorld.isolated(1_000);
        assertThat(a.firstId()).isNotEqualTo(b.firstId());
        assertThat(a.contributor(0).email()).isNotEqualTo(SampleWorld.ofSize(10).contributor(0).email());
    }
}
