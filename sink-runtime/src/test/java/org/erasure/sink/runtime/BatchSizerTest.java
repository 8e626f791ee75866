package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatchSizerTest {

    @Test
    void aCheapStoreGrowsTheChunkByDoublingUpToTheMaximum() {
        BatchSizer sizer = new BatchSizer(100, 1, 2000, Duration.ofSeconds(10));
        int[] seen = new int[6];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = sizer.next();
            sizer.observe(sizer.next(), Duration.ofMillis(sizer.next())); // 1 ms per request
        }
        assertThat(seen).containsExactly(100, 200, 400, 800, 1600, 2000);
        assertThat(sizer.next()).isEqualTo(2000);
    }

    @Test
    void anExpensiveStoreShrinksTheChunkTowardsTheTargetDuration() {
        // 200 ms per request (the S3 emulator at M): 10 s / 0.2 s = 50 requests per chunk.
        BatchSizer sizer = new BatchSizer(500, 1, 2000, Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            int n = sizer.next();
            sizer.observe(n, Duration.ofMillis(200L * n));
        }
        assertThat(sizer.next()).isEqualTo(50);
        assertThat(sizer.secondsPerItem()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void aPartlyFilledChunkDoesNotGrowTheSize() {
        BatchSizer sizer = new BatchSizer(100, 1, 2000, Duration.ofSeconds(10));
        sizer.observe(3, Duration.ofMillis(3));
        assertThat(sizer.next()).isEqualTo(100);
    }

    @Test
    void aCostThatDoesNotDependOnTheChunkSizeGrowsTheChunk() {
        // A ClickHouse mutation at M: 15 s per chunk plus 1 ms per request, over a 10 s target.
        // Halving (as a per-request average would) only multiplies the 15 s; the size grows instead.
        BatchSizer sizer = new BatchSizer(100, 1, 2000, Duration.ofSeconds(10));
        int[] seen = new int[8];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = sizer.next();
            sizer.observe(seen[i], Duration.ofMillis(15_000 + seen[i]));
        }
        assertThat(seen[seen.length - 1]).isEqualTo(2000);
        assertThat(sizer.fixedSeconds()).isCloseTo(15.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(sizer.secondsPerItem()).isCloseTo(0.001, org.assertj.core.data.Offset.offset(0.0001));
    }

    @Test
    void aFixedPartBelowTheTargetLeavesTheRestToTheRequests() {
        // 2 s per chunk + 10 ms per request: (10 s - 2 s) / 10 ms = 800 requests per chunk.
        BatchSizer sizer = new BatchSizer(100, 1, 2000, Duration.ofSeconds(10));
        for (int i = 0; i < 12; i++) {
            int n = sizer.next();
            sizer.observe(n, Duration.ofMillis(2_000 + 10L * n));
        }
        assertThat(sizer.next()).isEqualTo(800);
    }

    @Test
    void aFixedPartOverHalfTheTargetTakesAtMostHalfOfAChunk() {
        // ClickHouse at M on 2026-12-02: 7.5 s per chunk + 14 ms per request. Sized to the 10 s target the
        // chunk held 176 requests and three quarters of its time was the fixed part; now 7.5 s / 14 ms.
        BatchSizer sizer = new BatchSizer(2000, 1, 2000, Duration.ofSeconds(10));
        for (int i = 0; i < 6; i++) {
            int n = sizer.next();
            sizer.observe(n, Duration.ofMillis(7_500 + 14L * n));
        }
        assertThat(sizer.next()).isEqualTo(536);
    }

    @Test
    void staysWithinBounds() {
        BatchSizer sizer = new BatchSizer(4, 2, 8, Duration.ofMillis(100));
        sizer.observe(4, Duration.ofMillis(400));
        sizer.observe(2, Duration.ofMillis(200));
        assertThat(sizer.next()).isEqualTo(2);
        for (int i = 0; i < 5; i++) {
            sizer.observe(sizer.next(), Duration.ofSeconds(100)); // fixed cost far over the target
        }
        assertThat(sizer.next()).isEqualTo(8);
        assertThatThrownBy(() -> new BatchSizer(10, 1, 5, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
