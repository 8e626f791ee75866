package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.SinkInfo;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.junit.jupiter.api.Test;

class BatchProcessorTest {

    /** An in-memory store: each contributor has 2 rows; "poison" contributors make any batch holding them fail. */
    static final class FakeStore implements ErasureStore {
        final Map<String, Integer> rows = new HashMap<>();
        final List<Integer> batchSizes = new ArrayList<>();
        int transientFailures;
        String sticky; // contributor whose rows survive erasure (residual)
        final AtomicInteger calls = new AtomicInteger();
        final List<ErasureItem> seen = new ArrayList<>(); // every item handed to erase

        @Override public Phase phase() { return Phase.REDIS; }
        @Override public List<String> targets() { return List.of("keys"); }

        /** Announces like a store with a transaction: counted, announced, then changed ("connection reset at commit" after announcing). */
        int failAfterAnnouncing;

        @Override
        public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
            calls.incrementAndGet();
            seen.addAll(batch.items());
            if (transientFailures > 0) {
                transientFailures--;
                throw new StoreUnavailableException("connection refused");
            }
            Map<UUID, List<TargetResult>> planned = new HashMap<>();
            for (ErasureItem i : batch.executes()) {
                if (!i.contributorId().startsWith("bad") && !i.contributorId().startsWith("poison")) {
                    planned.put(i.requestId(), List.of(TargetResult.erased("keys", rows.getOrDefault(i.contributorId(), 2), 0, 0)));
                }
            }
            if (batch.items().stream().noneMatch(i -> i.contributorId().startsWith("poison"))) {
                writeAhead.record(planned);
            }
            if (failAfterAnnouncing > 0) {
                failAfterAnnouncing--;
                throw new StoreUnavailableException("connection reset");
            }
            if (batch.items().stream().anyMatch(i -> i.contributorId().startsWith("poison"))) {
                throw new StoreException("FAKE_CONSTRAINT", "constraint violated");
            }
            batchSizes.add(batch.size());
            Map<UUID, RequestResult> out = new HashMap<>();
            for (ErasureItem i : batch.items()) {
                int n = rows.getOrDefault(i.contributorId(), 2);
                if (i.contributorId().startsWith("bad")) {
                    out.put(i.requestId(), RequestResult.failed("FAKE_BAD_ID", "id not valid for this store"));
                } else if (i.dryRun()) {
                    out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.dryRun("keys", n, 0))));
                } else {
                    if (!i.contributorId().equals(sticky)) {
                        rows.put(i.contributorId(), 0);
                    }
                    out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.erased("keys", n, 0, 0))));
                }
            }
            return out;
        }

        @Override
        public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
            Map<UUID, List<TargetResidual>> out = new HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), List.of(new TargetResidual("keys", rows.getOrDefault(i.contributorId(), 2)))));
            return out;
        }

        @Override public void checkReachable() {}
        @Override public void close() {}
    }

    static ContributorErasureRequested req(String contributor, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(contributor).requestedBy("test")
                .reason(ErasureReason.OTHER).mode(mode).build();
    }

    static BatchProcessor processor(FakeStore store, int maxBatch, int attempts) {
        return processor(store, maxBatch, attempts, WriteAheadPublisher.DISCARD);
    }

    static BatchProcessor processor(FakeStore store, int maxBatch, int attempts, WriteAheadPublisher writeAhead) {
        RetryConfig retry = RetryConfig.custom().maxAttempts(attempts).waitDuration(Duration.ofMillis(1))
                .retryExceptions(StoreUnavailableException.class).build();
        return new BatchProcessor(store, new SinkInfo("sink-fake", "1"), maxBatch, retry,
                new SinkMetrics(new SimpleMeterRegistry(), "sink-fake"), Clock.systemUTC(), writeAhead);
    }

    @Test
    void aRestoreWithoutTheUndoWindowFailsAndNeverReachesEraseWhileTheOthersAreErased() {
        FakeStore store = new FakeStore();
        ContributorErasureRequested erase = req("1", Mode.EXECUTE);
        ContributorErasureRequested restore = req("2", Mode.EXECUTE).toBuilder().mode(Mode.RESTORE).replayOf(UUID.randomUUID()).build();
        List<PhaseCompleted> out = processor(store, 500, 3).process(List.of(erase, restore));
        assertThat(out).filteredOn(pc -> pc.requestId().equals(restore.requestId())).singleElement().satisfies(pc -> {
            assertThat(pc.status()).isEqualTo(PhaseStatus.FAILED);
            assertThat(pc.error().code()).isEqualTo("RESTORATION_OFF");
        });
        assertThat(out).filteredOn(pc -> pc.requestId().equals(erase.requestId())).extracting(PhaseCompleted::status)
                .containsExactly(PhaseStatus.SUCCEEDED);
        assertThat(store.seen).extracting(ErasureItem::requestId).containsExactly(erase.requestId());
        assertThat(out).extracting(PhaseCompleted::requestId).as("in record order").containsExactly(erase.requestId(), restore.requestId());
    }

    @Test
    void whatTheStoreIsAboutToChangeIsPublishedAsStartedReportsBeforeTheResults() {
        FakeStore store = new FakeStore();
        List<PhaseCompleted> started = new ArrayList<>();
        List<ContributorErasureRequested> in = List.of(req("1", Mode.EXECUTE), req("2", Mode.DRY_RUN), req("3", Mode.EXECUTE));
        List<PhaseCompleted> out = processor(store, 500, 3, started::addAll).process(in);
        assertThat(started).extracting(PhaseCompleted::requestId).containsExactlyInAnyOrder(in.get(0).requestId(), in.get(2).requestId());
        assertThat(started).allSatisfy(pc -> {
            assertThat(pc.status()).isEqualTo(PhaseStatus.STARTED);
            assertThat(pc.totalDeleted()).isEqualTo(2);
            assertThat(pc.verification().verified()).isFalse();
            assertThat(pc.sink().name()).isEqualTo("sink-fake");
        });
        assertThat(out).extracting(PhaseCompleted::status).containsExactly(PhaseStatus.SUCCEEDED, PhaseStatus.DRY_RUN, PhaseStatus.SUCCEEDED);
    }

    @Test
    void aRetriedCallAnnouncesItsOwnPlanNotTheSumOfBoth() {
        FakeStore store = new FakeStore();
        store.failAfterAnnouncing = 1;
        List<PhaseCompleted> started = new ArrayList<>();
        processor(store, 500, 3, started::addAll).process(List.of(req("1", Mode.EXECUTE)));
        assertThat(started).hasSize(2).allSatisfy(pc -> assertThat(pc.totalDeleted()).isEqualTo(2));
    }

    @Test
    void whenTheAnnouncementCannotBeMadeDurableTheStoreChangesNothing() {
        FakeStore store = new FakeStore();
        WriteAheadPublisher kafkaDown = s -> {
            throw new StoreUnavailableException("the write-ahead report could not be written to Kafka");
        };
        assertThatThrownBy(() -> processor(store, 500, 2, kafkaDown).process(List.of(req("1", Mode.EXECUTE))))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(store.rows).doesNotContainKey("1");
    }

    @Test
    void onePhaseCompletedPerRequestWithCountsAttributed() {
        FakeStore store = new FakeStore();
        List<ContributorErasureRequested> in = List.of(req("1", Mode.EXECUTE), req("2", Mode.DRY_RUN), req("3", Mode.EXECUTE));
        List<PhaseCompleted> out = processor(store, 500, 3).process(in);
        assertThat(out).extracting(PhaseCompleted::requestId).containsExactly(in.get(0).requestId(), in.get(1).requestId(), in.get(2).requestId());
        assertThat(out).extracting(PhaseCompleted::status).containsExactly(PhaseStatus.SUCCEEDED, PhaseStatus.DRY_RUN, PhaseStatus.SUCCEEDED);
        assertThat(out.get(0).totalDeleted()).isEqualTo(2);
        assertThat(out.get(0).verification().verified()).isTrue();
        assertThat(out.get(1).totals().wouldDelete()).isEqualTo(2);
        assertThat(out.get(1).verification().verified()).isFalse();
        assertThat(store.batchSizes).containsExactly(3);
    }

    @Test
    void permanentBatchErrorIsIsolatedToTheCulpritByBisection() {
        FakeStore store = new FakeStore();
        List<ContributorErasureRequested> in = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            in.add(req(i == 4 ? "poison-4" : "c" + i, Mode.EXECUTE));
        }
        in.add(req("bad-8", Mode.EXECUTE));
        List<PhaseCompleted> out = processor(store, 500, 3).process(in);
        assertThat(out).hasSize(8);
        for (int i = 0; i < 7; i++) {
            assertThat(out.get(i).status()).as("request %d", i).isEqualTo(i == 4 ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED);
        }
        assertThat(out.get(4).error().code()).isEqualTo("FAKE_CONSTRAINT");
        assertThat(out.get(7).status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(out.get(7).error().code()).isEqualTo("FAKE_BAD_ID");
    }

    @Test
    void residualAfterErasureFailsThePhase() {
        FakeStore store = new FakeStore();
        store.sticky = "s";
        List<PhaseCompleted> out = processor(store, 500, 3).process(List.of(req("s", Mode.EXECUTE), req("t", Mode.EXECUTE)));
        assertThat(out.get(0).status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(out.get(0).error().code()).isEqualTo("RESIDUAL_FOUND");
        assertThat(out.get(0).totalResidual()).isEqualTo(2);
        assertThat(out.get(0).verification().verified()).isFalse();
        assertThat(out.get(1).status()).isEqualTo(PhaseStatus.SUCCEEDED);
    }

    @Test
    void transientErrorsAreRetriedThenSurfaceAsUnavailable() {
        FakeStore store = new FakeStore();
        store.transientFailures = 2;
        assertThat(processor(store, 500, 3).process(List.of(req("1", Mode.EXECUTE)))).extracting(PhaseCompleted::status)
                .containsExactly(PhaseStatus.SUCCEEDED);
        assertThat(store.calls.get()).isEqualTo(3);

        FakeStore down = new FakeStore();
        down.transientFailures = 100;
        assertThatThrownBy(() -> processor(down, 500, 3).process(List.of(req("1", Mode.EXECUTE))))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(down.calls.get()).isEqualTo(3);
    }

    @Test
    void batchesRespectMaxSizeAndDuplicatePeople() {
        FakeStore store = new FakeStore();
        List<ContributorErasureRequested> in = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            in.add(req("p" + i, Mode.EXECUTE));
        }
        in.add(req("p0", Mode.EXECUTE)); // replay of p0 in the same poll
        List<PhaseCompleted> out = processor(store, 4, 3).process(in);
        assertThat(store.batchSizes).containsExactly(4, 4, 3);
        assertThat(out).hasSize(11);
        assertThat(out.getLast().requestId()).isEqualTo(in.getLast().requestId());
        assertThat(out.getLast().totalDeleted()).as("the replay finds nothing left").isZero();
    }

    @Test
    void sealedRequestsAreOpenedAndAShreddedKeyFailsItsPhaseWithKeyShredded() {
        FakeStore store = new FakeStore();
        java.security.SecureRandom random = new java.security.SecureRandom();
        byte[] kek = new byte[32];
        random.nextBytes(kek);
        org.erasure.keys.RequestKeys keys = new org.erasure.keys.RequestKeys(new org.erasure.keys.Envelope(
                org.erasure.keys.KeyEncryptionKey.fromBase64("kek-1", java.util.Base64.getEncoder().encodeToString(kek))),
                new org.erasure.keys.InMemoryKeyStore());
        ContributorErasureRequested plain = req("plain", Mode.EXECUTE);
        ContributorErasureRequested open = keys.seal(req("sealed", Mode.EXECUTE).toBuilder().identifiers(List.of("s@example.com"), List.of()).build());
        ContributorErasureRequested shredded = keys.seal(req("shredded", Mode.EXECUTE));
        keys.shred(shredded.requestId());
        FakeStore recording = new FakeStore();
        List<ErasureItem> seen = recording.seen;
        RetryConfig retry = RetryConfig.custom().maxAttempts(1).retryExceptions(StoreUnavailableException.class).build();
        BatchProcessor withKeys = new BatchProcessor(recording, new SinkInfo("sink-fake", "1"), 500, retry,
                new SinkMetrics(new SimpleMeterRegistry(), "sink-fake"), Clock.systemUTC(), WriteAheadPublisher.DISCARD, RequestOpener.with(keys));

        List<PhaseCompleted> out = withKeys.process(List.of(plain, open, shredded));

        assertThat(out).hasSize(3);
        PhaseCompleted refused = out.getFirst();
        assertThat(refused.requestId()).isEqualTo(shredded.requestId());
        assertThat(refused.status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(refused.error().code()).isEqualTo("KEY_SHREDDED");
        assertThat(out.subList(1, 3)).extracting(PhaseCompleted::status).containsOnly(PhaseStatus.SUCCEEDED);
        // The store saw the opened identifiers, and never the shredded request.
        assertThat(seen).extracting(ErasureItem::contributorId).containsExactly("plain", "sealed");
        assertThat(seen.get(1).identifiers().emails()).containsExactly("s@example.com");

        // A sink without a key-encryption key refuses sealed requests by name, and still erases plain ones.
        List<PhaseCompleted> noKeys = processor(store, 500, 1).process(List.of(plain, open));
        assertThat(noKeys).extracting(pc -> pc.error() == null ? "OK" : pc.error().code()).containsExactly("KEY_UNAVAILABLE", "OK");
        assertThatThrownBy(() -> ErasureItem.of(open)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sealed");

        // A key store that cannot be read is an outage (the poll is re-run later), not a per-request failure.
        org.erasure.keys.KeyStore down = new org.erasure.keys.KeyStore() {
            @Override public void put(UUID requestId, org.erasure.keys.WrappedKey key) {}
            @Override public java.util.Optional<org.erasure.keys.WrappedKey> get(UUID requestId) {
                throw new org.apache.kafka.common.errors.TimeoutException("key topic unreachable");
            }
            @Override public void shred(UUID requestId) {}
            @Override public void close() {}
        };
        BatchProcessor keyStoreDown = new BatchProcessor(new FakeStore(), new SinkInfo("sink-fake", "1"), 500, retry,
                new SinkMetrics(new SimpleMeterRegistry(), "sink-fake"), Clock.systemUTC(), WriteAheadPublisher.DISCARD,
                RequestOpener.with(new org.erasure.keys.RequestKeys(new org.erasure.keys.Envelope(
                        org.erasure.keys.KeyEncryptionKey.fromBase64("kek-1", java.util.Base64.getEncoder().encodeToString(kek))), down)));
        assertThatThrownBy(() -> keyStoreDown.process(List.of(plain, open))).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("key store");
    }
}
