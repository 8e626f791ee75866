package org.erasure.e2e.bench.pipeline;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.erasure.e2e.PipelineServices;

/**
 * Samples each service's heap in use from its /metrics page ({@code jvm_memory_used_bytes{area="heap"}},
 * summed over the pools) once a second, keeping the peak. A sample that does not answer is skipped.
 */
final class UsageSampler implements AutoCloseable {

    private final List<PipelineServices.Service> services;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Long> peakHeap = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    UsageSampler(List<PipelineServices.Service> services, Duration interval) {
        this.services = services;
        this.thread = Thread.ofPlatform().name("usage-sampler").daemon().start(() -> {
            while (running) {
                sampleOnce();
                LockSupport.parkNanos(interval.toNanos());
            }
        });
    }

    private void sampleOnce() {
        for (PipelineServices.Service s : services) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.uri("/metrics")).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                long heap = r.statusCode() == 200 ? PrometheusText.heapUsedBytes(r.body()) : -1;
                if (heap >= 0) {
                    peakHeap.merge(s.name(), heap, Math::max);
                }
            } catch (java.io.IOException | RuntimeException notAnswering) {
                // starting, busy or stopping: the next sample counts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Highest heap in use seen for a service; -1 if it never answered. */
    long peakHeapBytes(String service) {
        return peakHeap.getOrDefault(service, -1L);
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
