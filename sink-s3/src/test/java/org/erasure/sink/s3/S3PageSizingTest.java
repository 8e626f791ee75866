package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.testkit.Announced;
import org.junit.jupiter.api.Test;

/**
 * A bucket pass sizes its pages to what is left of each shard's key range, so that it reads about
 * the batch's range and not 1,000 entries per shard past it.
 */
@DevStackTest
class S3PageSizingTest {

    @Test
    void theNextPageIsSizedToTheIdsLeftAtTheDensityReadSoFar() {
        assertThat(S3Lister.nextPageSize(30, 30, 0, 15, 1000)).as("no id passed yet: doubled").isEqualTo(60);
        assertThat(S3Lister.nextPageSize(30, 60, 10, 20, 1000)).as("60 / 10.5 per id x 20 left + a quarter").isEqualTo(144);
        assertThat(S3Lister.nextPageSize(500, 900, 1, 99, 1000)).as("at most page-size").isEqualTo(1000);
        assertThat(S3Lister.nextPageSize(4, 8, 8, 0, 1000)).as("at least one").isEqualTo(1);
    }

    @Test
    void aDenseBatchReadsLittleMoreThanItsKeyRange(S3Server s3, TestNames names) {
        passReadsAboutTheBatchRange(s3, names, 100, 1, 1.5);
    }

    @Test
    void aSparseBatchReadsLittleMoreThanItsKeyRange(S3Server s3, TestNames names) {
        passReadsAboutTheBatchRange(s3, names, 40, 10, 1.5);
    }

    /**
     * {@code ids} contributors every {@code step}-th from contributor 100 of 600, listed by a bucket
     * pass of 4 shards with the default page size (1,000): the entries parsed stay within
     * {@code factor} x the entries between the batch's first and last id (a pass with 1,000-entry
     * pages would read up to the end of the head in every shard), and the counts are exact.
     */
    private static void passReadsAboutTheBatchRange(S3Server s3, TestNames names, int ids, int step, double factor) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 600)) {
            List<Integer> indices = IntStream.range(0, ids).map(k -> 100 + k * step).boxed().toList();
            List<ErasureItem> items = indices.stream().map(i -> S3Fixture.item(f.world.contributor(i), Mode.DRY_RUN)).toList();
            long inRange = IntStream.rangeClosed(indices.getFirst(), indices.getLast()).mapToLong(f::seededEntries).sum();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            var config = f.storeConfig(s3.endpoint().toString(), "listing { strategy = bucket-pass, shards = 4 }");
            try (S3ErasureStore store = (S3ErasureStore) new S3StoreModule().create(config, meters)) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (int k = 0; k < items.size(); k++) {
                    assertThat(byTarget(r.get(items.get(k).requestId())).values().stream().mapToLong(TargetResult::wouldDelete).sum())
                            .isEqualTo(f.seededEntries(indices.get(k)));
                }
            }
            assertThat(meters.counter("erasure.s3.listed.entries").count())
                    .as("entries parsed; %d between the batch's first and last id", inRange)
                    .isGreaterThanOrEqualTo(inRange).isLessThanOrEqualTo(factor * inRange);
        }
    }
}
