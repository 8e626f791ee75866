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
    void staysWithinBounds() {
        BatchSizer sizer = new BatchSizer(4, 2, 8, Duration.ofMillis(100));
        sizer.observe(4, Duration.ofSeconds(100));
        sizer.observe(2, Duration.ofSeconds(100));
        assertThat(sizer.next()).isEqualTo(2);
        assertThatThrownBy(() -> new BatchSizer(10, 1, 5, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
