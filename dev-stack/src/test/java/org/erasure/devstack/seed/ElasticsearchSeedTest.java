package org.erasure.devstack.seed;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.junit.jupiter.api.Test;

@DevStackTest
class ElasticsearchSeedTest {

    @Test
    void projectIndicesHoldAboutTenDocumentsPerContributorWithSeveralWorkers(ElasticsearchServer es, TestNames names) throws Exception {
        SampleWorld world = SampleWorld.isolated(400);
        String prefix = SeedNames.unique(names).esIndexPrefix();
        try (ElasticsearchClient client = es.newClient()) {
            SeedResult result = ElasticsearchSeeder.seed(client, prefix, world);
            assertThat(result.counts()).hasSize(2); // one index per 200 contributors
            assertThat(result.counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(world.esDocumentCount());

            SampleWorld.Contributor c = world.contributor(7);
            long inJudgments = client.count(q -> q.index(prefix + "*")
                    .query(t -> t.term(f -> f.field("judgments.workerEmail").value(FieldValue.of(c.email()))))).count();
            long asLatest = client.count(q -> q.index(prefix + "*")
                    .query(t -> t.term(f -> f.field("latest.workerId").value(FieldValue.of(c.workerId()))))).count();
            assertThat(inJudgments).isEqualTo(world.esDocumentsOf(7)).isBetween(9L, 11L);
            assertThat(asLatest).isBetween(3L, 4L); // last of three workers in a third of its documents
        }
    }
}
