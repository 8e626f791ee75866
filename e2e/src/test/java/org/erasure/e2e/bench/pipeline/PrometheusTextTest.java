package org.erasure.e2e.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void heapInUseIsTheSumOfTheHeapPools() {
        String scrape = """
                # HELP jvm_memory_used_bytes The amount of used memory
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3.0E7
                jvm_memory_used_bytes{area="heap",id="G1 Survivor Space"} 1000000.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
                jvm_memory_max_bytes{area="heap",id="G1 Old Gen"} 2.68435456E8
                """;

        assertThat(PrometheusText.heapUsedBytes(scrape)).isEqualTo(43_000_000L);
        assertThat(PrometheusText.heapUsedBytes("up 1\n")).isEqualTo(-1);
    }
}
