package org.erasure.e2e.bench.pipeline;

import java.util.List;

/** Nearest-rank percentiles: p99 of 50 samples is the largest one. */
final class Percentiles {

    private Percentiles() {}

    static double of(List<Double> samples, double percentile) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = samples.stream().sorted().toList();
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
    }
}
