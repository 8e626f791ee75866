package org.erasure.devstack.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ElasticsearchServerTest {

    private static final Logger log = LoggerFactory.getLogger(ElasticsearchServerTest.class);

    record Worker(String workerEmail, String workerId) {}

    record Project(String projectId, Worker latest, List<Worker> judgments) {}

    private static final Worker ALICE = new Worker("alice@example.com", "w-alice");
    private static final Worker BOB = new Worker("bob@example.com", "w-bob");

    @TempDir
    static Path workDir;
    static ElasticsearchServer server;
    static ElasticsearchClient client;

    @BeforeAll
    static void start() {
        server = ElasticsearchServer.start(workDir);
        client = server.newClient();
    }

    @AfterAll
    static void stop() throws IOException {
        if (client != null) client.close();
        if (server != null) {
            server.close();
            server.close(); // idempotent
        }
    }

    @Test
    void reportsItsVersionOverHttp() throws IOException {
        log.info("Elasticsearch server version {} at {}", server.version(), server.httpUrl());
        assertThat(server.name()).isEqualTo("elasticsearch");
        assertThat(server.version()).startsWith("9.5.");
        assertThat(server.endpoints()).containsEntry("http", "http://127.0.0.1:" + server.httpPort());
        assertThat(client.ping().value()).isTrue();
        assertThat(client.info().clusterName()).isEqualTo("dev-stack");
    }

    @Test
    void indexesSearchesPagesWithPointInTimeAndUpdatesConditionally() throws IOException {
        String index = "project-" + UUID.randomUUID();
        Property keyword = Property.of(p -> p.keyword(k -> k));
        Map<String, Property> worker = Map.of("workerEmail", keyword, "workerId", keyword);
        client.indices().create(c -> c.index(index).mappings(m -> m
            .properties("projectId", keyword)
            .properties("latest", p -> p.object(o -> o.properties(worker)))
            .properties("judgments", p -> p.object(o -> o.properties(worker)))));

        // five projects: alice is the latest worker on p1..p3, bob on p4..p5; both judged everything
        List<Project> projects = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            projects.add(new Project("p" + i, i <= 3 ? ALICE : BOB, List.of(ALICE, BOB)));
        }
        BulkResponse indexed = client.bulk(b -> {
            projects.forEach(p -> b.operations(op -> op.index(ix -> ix.index(index).id(p.projectId()).document(p))));
            return b;
        });
        assertThat(indexed.errors()).isFalse();
        assertThat(indexed.items()).hasSize(5);
        client.indices().refresh(r -> r.index(index));

        assertThat(countLatest(index, ALICE)).isEqualTo(3);
        SearchResponse<Project> judgedByBob = client.search(s -> s.index(index)
            .query(q -> q.terms(t -> t.field("judgments.workerEmail").terms(v -> v.value(List.of(FieldValue.of(BOB.workerEmail())))))),
            Project.class);
        assertThat(judgedByBob.hits().total().value()).isEqualTo(5);

        // page through everything with a point in time and search_after, two at a time
        String pit = client.openPointInTime(p -> p.index(index).keepAlive(k -> k.time("1m"))).id();
        List<String> seen = new ArrayList<>();
        List<FieldValue> after = null;
        int pages = 0;
        while (true) {
            List<FieldValue> searchAfter = after;
            SearchResponse<Project> page = client.search(s -> {
                s.pit(p -> p.id(pit).keepAlive(k -> k.time("1m")))
                    .size(2)
                    .sort(o -> o.field(f -> f.field("projectId").order(SortOrder.Asc)));
                if (searchAfter != null) s.searchAfter(searchAfter);
                return s;
            }, Project.class);
            List<Hit<Project>> hits = page.hits().hits();
            if (hits.isEmpty()) break;
            pages++;
            hits.forEach(h -> seen.add(h.source().projectId()));
            after = hits.getLast().sort();
        }
        assertThat(seen).containsExactly("p1", "p2", "p3", "p4", "p5");
        assertThat(pages).isEqualTo(3);

        // conditional partial update: succeeds with the current seq_no/primary_term, a stale one gets 409
        GetResponse<Project> current = client.get(g -> g.index(index).id("p1"), Project.class);
        long seqNo = current.seqNo();
        long primaryTerm = current.primaryTerm();
        Map<String, Object> erased = Map.of("latest", Map.of("workerEmail", "erased", "workerId", "erased"));
        BulkResponse updated = conditionalUpdate(index, "p1", seqNo, primaryTerm, erased);
        assertThat(updated.errors()).isFalse();
        assertThat(updated.items().getFirst().result()).isEqualTo("updated");

        BulkResponse stale = conditionalUpdate(index, "p1", seqNo, primaryTerm, erased);
        assertThat(stale.errors()).isTrue();
        BulkResponseItem conflict = stale.items().getFirst();
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.error().type()).isEqualTo("version_conflict_engine_exception");

        client.indices().refresh(r -> r.index(index));
        assertThat(countLatest(index, ALICE)).isEqualTo(2);
        assertThat(client.get(g -> g.index(index).id("p1"), Project.class).source().latest().workerEmail()).isEqualTo("erased");

        assertThat(client.closePointInTime(c -> c.id(pit)).succeeded()).isTrue();
    }

    private long countLatest(String index, Worker worker) throws IOException {
        return client.search(s -> s.index(index)
                .query(q -> q.terms(t -> t.field("latest.workerEmail").terms(v -> v.value(List.of(FieldValue.of(worker.workerEmail())))))),
            Project.class).hits().total().value();
    }

    private BulkResponse conditionalUpdate(String index, String id, long seqNo, long primaryTerm, Map<String, Object> partial)
        throws IOException {
        return client.bulk(b -> b.operations(op -> op.update(u -> u
            .index(index).id(id).ifSeqNo(seqNo).ifPrimaryTerm(primaryTerm)
            .action(a -> a.doc(partial)))));
    }
}
