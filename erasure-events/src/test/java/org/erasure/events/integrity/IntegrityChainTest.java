package org.erasure.events.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Samples;
import org.erasure.events.serde.EventSerdes;
import org.junit.jupiter.api.Test;

class IntegrityChainTest {

    private static List<ErasureCompleted> chainOf3() {
        return IntegrityChain.sealAll(List.of(Samples.completed(1), Samples.timedOut(), Samples.completed(2)), null);
    }

    @Test
    void chainOfThreeVerifies() {
        List<ErasureCompleted> chain = chainOf3();
        assertThat(chain.get(0).previousHash()).isNull();
        assertThat(chain.get(1).previousHash()).isEqualTo(chain.get(0).hash());
        assertThat(chain.get(2).previousHash()).isEqualTo(chain.get(1).hash());
        ChainVerification v = IntegrityChain.verify(chain);
        assertThat(v).isEqualTo(new ChainVerification.Ok(3, chain.get(2).hash()));
        assertThat(v.isOk()).isTrue();
    }

    @Test
    void chainSurvivesKafkaSerde() {
        List<ErasureCompleted> read = new ArrayList<>();
        for (ErasureCompleted r : chainOf3()) {
            byte[] bytes = EventSerdes.erasureCompleted().serializer().serialize("t", r);
            read.add(EventSerdes.erasureCompleted().deserializer().deserialize("t", bytes));
        }
        assertThat(IntegrityChain.verify(read).isOk()).isTrue();
    }

    /** A crypto-shredding revision carries shreddedAt, which is hashed: it chains, survives the serde, and cannot be removed unnoticed. */
    @Test
    void aRevisionWithShreddedAtChainsAndItsShreddedAtIsSealed() {
        ErasureCompleted first = Samples.completed(1);
        ErasureCompleted shredded = ErasureCompleted.builder().requestId(first.requestId()).contributorId(first.contributorId())
                .subjectDigest(first.subjectDigest()).mode(first.mode()).requestedAt(first.requestedAt())
                .completedAt(first.completedAt().plusSeconds(3_024_000)).revision(2)
                .shreddedAt(first.completedAt().plusSeconds(3_024_000)).build();
        List<ErasureCompleted> chain = IntegrityChain.sealAll(List.of(first, shredded), null);
        List<ErasureCompleted> read = new ArrayList<>();
        for (ErasureCompleted r : chain) {
            read.add(EventSerdes.erasureCompleted().deserializer().deserialize("t", EventSerdes.erasureCompleted().serializer().serialize("t", r)));
        }
        assertThat(read.get(1).shreddedAt()).isEqualTo(shredded.shreddedAt());
        assertThat(IntegrityChain.verify(read).isOk()).isTrue();
        // Records without it hash as before the field existed: absent from the canonical JSON.
        assertThat(IntegrityChain.canonicalJson(chain.get(0))).doesNotContain("shreddedAt");
        ErasureCompleted stripped = chain.get(1);
        stripped = new ErasureCompleted(stripped.schemaVersion(), stripped.requestId(), stripped.contributorId(), stripped.subjectDigest(),
                stripped.outcome(), stripped.mode(), stripped.phases(), stripped.missingPhases(), stripped.failedPhases(), stripped.totals(),
                stripped.requestedAt(), stripped.completedAt(), stripped.revision(), stripped.replayOf(), stripped.previousHash(), stripped.hash());
        assertThat(IntegrityChain.verify(List.of(chain.get(0), stripped))).isInstanceOfSatisfying(ChainVerification.Broken.class,
                b -> assertThat(b.problem()).isEqualTo(ChainVerification.Problem.HASH_MISMATCH));
    }

    /** The record of a request whose key was shredded before it was read: no digest, the code is hashed, it chains. */
    @Test
    void aRecordWithoutDigestChainsAndItsIdentifiersUnreadableIsSealed() {
        ErasureCompleted first = Samples.completed(1);
        ErasureCompleted keyShredded = ErasureCompleted.builder().requestId(java.util.UUID.randomUUID()).contributorId(first.contributorId())
                .identifiersUnreadable("KEY_SHREDDED").mode(first.mode()).requestedAt(first.requestedAt())
                .phase(Phase.POSTGRES, new org.erasure.events.PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 1, first.requestedAt()))
                .completedAt(first.completedAt()).build();
        List<ErasureCompleted> chain = IntegrityChain.sealAll(List.of(first, keyShredded, Samples.completed(2)), null);
        List<ErasureCompleted> read = new ArrayList<>();
        for (ErasureCompleted r : chain) {
            read.add(EventSerdes.erasureCompleted().deserializer().deserialize("t", EventSerdes.erasureCompleted().serializer().serialize("t", r)));
        }
        assertThat(read.get(1).identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        assertThat(read.get(1).subjectDigest()).isNull();
        assertThat(IntegrityChain.canonicalJson(read.get(1))).doesNotContain("subjectDigest").contains("\"identifiersUnreadable\":\"KEY_SHREDDED\"");
        assertThat(IntegrityChain.canonicalJson(read.get(0))).doesNotContain("identifiersUnreadable");
        assertThat(IntegrityChain.verify(read).isOk()).isTrue();
        ErasureCompleted r = chain.get(1);
        ErasureCompleted changed = new ErasureCompleted(r.schemaVersion(), r.requestId(), r.contributorId(), null, r.outcome(), r.mode(),
                r.phases(), r.missingPhases(), r.failedPhases(), r.totals(), r.requestedAt(), r.completedAt(), r.revision(), r.replayOf(),
                r.shreddedAt(), "KEY_UNREADABLE", r.previousHash(), r.hash());
        assertThat(IntegrityChain.verify(List.of(chain.get(0), changed, chain.get(2)))).isInstanceOfSatisfying(ChainVerification.Broken.class,
                b -> assertThat(b.problem()).isEqualTo(ChainVerification.Problem.HASH_MISMATCH));
    }

    @Test
    void modifiedRecordIsDetectedAtItsIndex() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        ErasureCompleted original = chain.get(1);
        // An auditor-visible change, keeping the stored hash: e.g. rewrite the completion time.
        ErasureCompleted tampered = rebuildWithCompletedAt(original);
        chain.set(1, tampered);
        assertThat(IntegrityChain.verify(chain)).isInstanceOfSatisfying(ChainVerification.Broken.class, b -> {
            assertThat(b.index()).isEqualTo(1);
            assertThat(b.problem()).isEqualTo(ChainVerification.Problem.HASH_MISMATCH);
            assertThat(b.message()).contains("record 1");
        });
    }

    @Test
    void modifiedAndResealedRecordBreaksTheNextLink() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        ErasureCompleted resealed = IntegrityChain.seal(rebuildWithCompletedAt(chain.get(1)), chain.get(0).hash());
        chain.set(1, resealed);
        assertThat(IntegrityChain.verify(chain)).isInstanceOfSatisfying(ChainVerification.Broken.class, b -> {
            assertThat(b.index()).isEqualTo(2);
            assertThat(b.problem()).isEqualTo(ChainVerification.Problem.LINK_BROKEN);
        });
    }

    @Test
    void removedRecordIsDetectedAsMissingLink() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        chain.remove(1);
        assertThat(IntegrityChain.verify(chain)).isInstanceOfSatisfying(ChainVerification.Broken.class, b -> {
            assertThat(b.index()).isEqualTo(1);
            assertThat(b.problem()).isEqualTo(ChainVerification.Problem.LINK_BROKEN);
            assertThat(b.message()).contains("missing");
        });
    }

    @Test
    void removedFirstRecordIsDetected() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        chain.remove(0);
        assertThat(IntegrityChain.verify(chain)).isInstanceOfSatisfying(ChainVerification.Broken.class, b -> {
            assertThat(b.index()).isZero();
            assertThat(b.problem()).isEqualTo(ChainVerification.Problem.LINK_BROKEN);
        });
        // ...but the same records verify as a slice when the caller knows the predecessor's hash.
        assertThat(IntegrityChain.verify(chain, chainOf3().get(0).hash()).isOk()).isTrue();
    }

    @Test
    void reorderedRecordsAreDetected() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        ErasureCompleted second = chain.remove(1);
        chain.add(second);
        ChainVerification v = IntegrityChain.verify(chain);
        assertThat(v).isInstanceOf(ChainVerification.Broken.class);
        assertThat(((ChainVerification.Broken) v).index()).isEqualTo(1);
    }

    @Test
    void unsealedRecordIsReportedAsMissingHash() {
        List<ErasureCompleted> chain = new ArrayList<>(chainOf3());
        chain.add(Samples.completed(3));
        assertThat(IntegrityChain.verify(chain)).isInstanceOfSatisfying(ChainVerification.Broken.class, b -> {
            assertThat(b.index()).isEqualTo(3);
            assertThat(b.problem()).isEqualTo(ChainVerification.Problem.HASH_MISSING);
        });
    }

    @Test
    void emptyChainIsOk() {
        assertThat(IntegrityChain.verify(List.of())).isEqualTo(new ChainVerification.Ok(0, null));
    }

    @Test
    void canonicalJsonIsSortedCompactAndHasNoHash() throws Exception {
        ErasureCompleted sealed = chainOf3().get(1);
        String canonical = IntegrityChain.canonicalJson(sealed);
        assertThat(canonical).doesNotContain("\"hash\"").doesNotContain(" \"").doesNotContain("\n").doesNotContain(": ");
        assertThat(canonical).contains("\"previousHash\":\"" + sealed.previousHash() + "\"");
        assertThat(canonical).contains("\"requestedAt\":\"2026-03-01T10:15:30.123Z\"");
        assertSorted(new ObjectMapper().readTree(canonical));
        assertThat(IntegrityChain.canonicalJson(sealed)).isEqualTo(canonical);
    }

    @Test
    void hashIsSha256OfCanonicalJsonConcatenatedWithPreviousHash() throws Exception {
        List<ErasureCompleted> chain = chainOf3();
        for (ErasureCompleted r : chain) {
            String prev = r.previousHash() == null ? "" : r.previousHash();
            byte[] sha = MessageDigest.getInstance("SHA-256")
                    .digest((IntegrityChain.canonicalJson(r) + prev).getBytes(StandardCharsets.UTF_8));
            assertThat(r.hash()).isEqualTo(HexFormat.of().formatHex(sha));
        }
    }

    /**
     * Pinned once: any change to the canonical form (field order, instant format, null handling)
     * must be deliberate. Reproduced outside Java from the record's serialized JSON with Python:
     * {@code d = json.load(f); d.pop("hash"); sha256((json.dumps(d, sort_keys=True,
     * separators=(",", ":"), ensure_ascii=False) + (d.get("previousHash") or "")).encode())}.
     */
    @Test
    void pinnedFirstRecordHash() {
        ErasureCompleted first = IntegrityChain.seal(Samples.completed(1), null);
        assertThat(IntegrityChain.canonicalJson(first)).startsWith(
                "{\"completedAt\":\"2026-03-01T10:16:31.123Z\",\"contributorId\":\"c-1042\",\"failedPhases\":[],\"missingPhases\":[],\"mode\":\"EXECUTE\",\"outcome\":\"COMPLETED\",\"phases\":{\"CLICKHOUSE\":{\"attempt\":1,");
        assertThat(first.hash()).isEqualTo(PINNED_FIRST_HASH);
    }

    static final String PINNED_FIRST_HASH = "0516f036d5b51eb893bd596751d55988a8434a0ef81bd81c706832133bdff84c";

    @Test
    void emptyAndNullPreviousHashAreTheSame() {
        assertThat(IntegrityChain.seal(Samples.completed(1), "")).isEqualTo(IntegrityChain.seal(Samples.completed(1), null));
        assertThat(IntegrityChain.computeHash(Samples.completed(1), ""))
                .isEqualTo(IntegrityChain.computeHash(Samples.completed(1), null));
    }

    @Test
    void computeHashUsesTheGivenPreviousHashNotTheRecordsOwn() {
        ErasureCompleted sealed = chainOf3().get(1);
        assertThat(IntegrityChain.computeHash(sealed, sealed.previousHash())).isEqualTo(sealed.hash());
        assertThat(IntegrityChain.computeHash(sealed, null)).isNotEqualTo(sealed.hash());
    }

    private static ErasureCompleted rebuildWithCompletedAt(ErasureCompleted r) {
        return new ErasureCompleted(r.schemaVersion(), r.requestId(), r.contributorId(), r.subjectDigest(), r.outcome(),
                r.mode(), r.phases(), r.missingPhases(), r.failedPhases(), r.totals(), r.requestedAt(),
                r.completedAt().minusSeconds(86_400), r.revision(), r.replayOf(), r.previousHash(), r.hash());
    }

    private static void assertSorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            assertThat(names).isSorted();
            node.forEach(IntegrityChainTest::assertSorted);
        } else if (node.isArray()) {
            node.forEach(IntegrityChainTest::assertSorted);
        }
    }

    @Test
    void phasesUsedInSamplesAreComplete() {
        assertThat(Samples.completed(1).phases().keySet()).containsExactlyElementsOf(Samples.FIRST_FIVE);
        assertThat(Samples.completed(1).phases().values()).allMatch(p -> p.status() == PhaseStatus.SUCCEEDED);
    }
}
