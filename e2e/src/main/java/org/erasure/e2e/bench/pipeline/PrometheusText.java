package org.erasure.e2e.bench.pipeline;

/** Reads values out of a Prometheus text exposition (a service's /metrics page). */
final class PrometheusText {

    private PrometheusText() {}

    /** Sum of {@code jvm_memory_used_bytes} over the heap pools (eden, survivor, old gen); -1 if absent. */
    static long heapUsedBytes(String scrape) {
        double sum = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                String value = line.substring(line.lastIndexOf('}') + 1).trim().split("\\s+")[0];
                sum += Double.parseDouble(value);
                found = true;
            }
        }
        return found ? Math.round(sum) : -1;
    }
}
