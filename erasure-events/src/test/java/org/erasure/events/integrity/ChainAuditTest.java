package org.erasure.events.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Samples;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/** The one chain audit (verifier's ChainAuditor and erasurectl audit verify both hand their records here). */
class ChainAuditTest {
    private static final String TOPIC = "erasure.completions";

    /** Five sealed records of distinct requests on one partition, at offsets 0..4. */
    private static List<ErasureCompleted> chain() {
        List<ErasureCompleted> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            UUID requestId = UUID.nameUUIDFromBytes(("r" + i).getBytes(StandardCharsets.UTF_8));
            records.add(ErasureCompleted.builder().forRequest(Samples.request().toBuilder().requestId(requestId).build())
                    .subjectDigest(Samples.DIGEST).completedAt(Samples.REQUESTED_AT.plusSeconds(60 + i))
                    .phase(Samples.postgresSucceeded()).build());
        }
        return IntegrityChain.sealAll(records, null);
    }

    private static List<ChainAudit.Entry> entries(List<ErasureCompleted> records, long firstOffset) {
        List<ChainAudit.Entry> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            out.add(ChainAudit.Entry.read(firstOffset + i, records.get(i).kafkaKey(), EventJson.write(records.get(i))));
        }
        return out;
    }

    @Test
    void anIntactTopicIsOkWithOneLinePerPartition() {
        List<ErasureCompleted> p0 = chain();
        ChainAudit.Report report = ChainAudit.audit(TOPIC, Map.of(0, entries(p0, 0), 1, List.of()), Map.of());
        assertThat(report.ok()).isTrue();
        assertThat(report.records()).isEqualTo(5);
        assertThat(report.partitions().get(0).lastHash()).isEqualTo(p0.getLast().hash());
        assertThat(report.lines()).containsExactly("partition 0: OK, 5 records", "partition 1: OK, 0 records",
                "Integrity chain intact: 5 records on 2 partitions.");
    }

    @Test
    void aModifiedRecordIsAHashMismatchAtItsOffset() {
        List<ErasureCompleted> p0 = new ArrayList<>(chain());
        ErasureCompleted victim = p0.get(3);
        p0.set(3, new ErasureCompleted(victim.schemaVersion(), victim.requestId(), "someone-else", victim.subjectDigest(), victim.outcome(),
                victim.mode(), victim.phases(), victim.missingPhases(), victim.failedPhases(), victim.totals(), victim.requestedAt(),
                victim.completedAt(), victim.revision(), victim.replayOf(), victim.previousHash(), victim.hash()));
        ChainAudit.Report report = ChainAudit.audit(TOPIC, Map.of(2, entries(p0, 100)), Map.of());
        assertThat(report.ok()).isFalse();
        assertThat(report.breaks()).singleElement().satisfies(b -> {
            assertThat(b.partition()).isEqualTo(2);
            assertThat(b.offset()).isEqualTo(103);
            assertThat(b.index()).isEqualTo(3);
            assertThat(b.requestId()).isEqualTo(victim.requestId().toString());
            assertThat(b.problem()).isEqualTo(ChainAudit.Problem.HASH_MISMATCH);
            assertThat(b.message()).contains("offset 103");
        });
        assertThat(report.lines().getFirst()).startsWith("partition 2: BROKEN at offset 103 (record 4 of 5, requestId " + victim.requestId() + "): HASH_MISMATCH - ");
        assertThat(report.lines().getLast()).isEqualTo("Integrity chain BROKEN on 1 of 1 partitions (5 records read).");
    }

    @Test
    void aRemovedRecordBreaksTheNextLink() {
        List<ErasureCompleted> p0 = new ArrayList<>(chain());
        p0.remove(2);
        ChainAudit.Report report = ChainAudit.audit(TOPIC, Map.of(0, entries(p0, 0)), Map.of());
        assertThat(report.firstBreak()).get().satisfies(b -> {
            assertThat(b.problem()).isEqualTo(ChainAudit.Problem.LINK_BROKEN);
            assertThat(b.index()).isEqualTo(2);
        });
    }

    @Test
    void anUnreadableRecordIsReportedAfterTheRecordsBeforeItAreVerified() {
        List<ChainAudit.Entry> p0 = new ArrayList<>(entries(chain(), 0));
        p0.add(2, ChainAudit.Entry.read(2, "k", "not json about alice@example.com".getBytes(StandardCharsets.UTF_8)));
        ChainAudit.Report unreadable = ChainAudit.audit(TOPIC, Map.of(0, p0), Map.of());
        assertThat(unreadable.firstBreak()).get().satisfies(b -> {
            assertThat(b.problem()).isEqualTo(ChainAudit.Problem.UNREADABLE);
            assertThat(b.offset()).isEqualTo(2);
            assertThat(b.message()).doesNotContain("alice");
        });

        // A modified record before the unreadable one is the first problem, and the one reported.
        List<ErasureCompleted> modified = new ArrayList<>(chain());
        ErasureCompleted v = modified.getFirst();
        modified.set(0, v.withIntegrity(v.previousHash(), "0".repeat(64)));
        List<ChainAudit.Entry> both = new ArrayList<>(entries(modified, 0));
        both.add(3, ChainAudit.Entry.read(3, "k", new byte[] {1, 2}));
        assertThat(ChainAudit.audit(TOPIC, Map.of(0, both), Map.of()).firstBreak()).get()
                .extracting(ChainAudit.Break::problem).isEqualTo(ChainAudit.Problem.HASH_MISMATCH);
    }

    @Test
    void aPartitionWhoseStartWasDeletedByRetentionIsVerifiedFromItsFirstKeptRecord() {
        List<ErasureCompleted> kept = chain().subList(2, 5);
        ChainAudit.Report report = ChainAudit.audit(TOPIC, Map.of(0, entries(kept, 2)), Map.of(0, 2L));
        assertThat(report.ok()).isTrue();
        assertThat(report.partitions().get(0).startsAfterRetention()).isTrue();
        assertThat(report.lines().getFirst()).isEqualTo("partition 0: OK, 3 records (starts after retention; first link not checkable)");
        // Without the log start, the same records are a gap: the first kept record links to a record that is not there.
        assertThat(ChainAudit.audit(TOPIC, Map.of(0, entries(kept, 2)), Map.of()).firstBreak()).get()
                .extracting(ChainAudit.Break::problem).isEqualTo(ChainAudit.Problem.LINK_BROKEN);
    }

    @Test
    void aRevisionWrittenTwiceIsListedAndFailsTheAudit() {
        ErasureCompleted once = Samples.completed(1);
        List<ErasureCompleted> p0 = IntegrityChain.sealAll(List.of(once), null);
        List<ErasureCompleted> p1 = IntegrityChain.sealAll(List.of(once), null);
        ChainAudit.Report report = ChainAudit.audit(TOPIC, Map.of(0, entries(p0, 0), 1, entries(p1, 7)), Map.of());
        assertThat(report.breaks()).isEmpty();
        assertThat(report.ok()).isFalse();
        assertThat(report.duplicates()).singleElement().satisfies(d -> {
            assertThat(d.requestId()).isEqualTo(once.requestId().toString());
            assertThat(d.revision()).isEqualTo(1);
            assertThat(d.at()).containsExactlyInAnyOrder("0@0", "1@7");
        });
        assertThat(report.lines()).anySatisfy(l -> assertThat(l).startsWith("duplicate: requestId " + once.requestId() + " revision 1 written 2 times"));
    }
}
