package org.erasure.sink.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicLong;
import org.erasure.events.RequestLane;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;

/**
 * The runtime's meters (Prometheus names in brackets):
 * batch size [erasure_sink_batch_size], erase/verify latency [erasure_sink_erase_seconds,
 * erasure_sink_verify_seconds], records per target and action [erasure_sink_records_total],
 * requests per status [erasure_sink_requests_total], store retries [erasure_sink_retries_total],
 * dead letters [erasure_sink_dlq_total], skipped records [erasure_sink_skipped_total],
 * consumer lag [erasure_sink_consumer_lag], store up [erasure_sink_store_up],
 * paused [erasure_sink_paused], outages [erasure_sink_pauses_total],
 * aborted Kafka transactions [erasure_sink_transaction_aborts_total], write-ahead reports
 * [erasure_sink_write_ahead_reports_total], chunk size chosen [erasure_sink_chunk_target_size],
 * seconds per request measured [erasure_sink_seconds_per_request].
 */
public final class SinkMetrics {
    private final MeterRegistry registry;
    private final String sink;
    private final String lane;
    private final DistributionSummary batchSize;
    private final Timer erase;
    private final Timer verify;
    private final Counter retries;
    private final Counter dlq;
    private final Counter pauses;
    private final Counter aborts;
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong storeUp = new AtomicLong(1);
    private final AtomicLong paused = new AtomicLong();

    public SinkMetrics(MeterRegistry registry, String sink) {
        this(registry, sink, RequestLane.INTERACTIVE);
    }

    /** Every meter is tagged {@code sink} and {@code lane} (interactive / bulk). */
    public SinkMetrics(MeterRegistry registry, String sink, RequestLane lane) {
        this.registry = registry;
        this.sink = sink;
        this.lane = lane.tag();
        this.batchSize = DistributionSummary.builder("erasure.sink.batch.size").description("requests per store batch")
                .tags("sink", sink, "lane", this.lane).publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0)
                .register(registry);
        this.erase = Timer.builder("erasure.sink.erase").description("store erase call per batch").tags("sink", sink, "lane", this.lane)
                .publishPercentileHistogram().register(registry);
        this.verify = Timer.builder("erasure.sink.verify").description("store verify call per batch").tags("sink", sink, "lane", this.lane)
                .publishPercentileHistogram().register(registry);
        this.retries = Counter.builder("erasure.sink.retries").description("store calls retried after a transient error")
                .tags("sink", sink, "lane", this.lane).register(registry);
        this.dlq = Counter.builder("erasure.sink.dlq").description("records sent to the dead-letter topic")
                .tags("sink", sink, "lane", this.lane).register(registry);
        this.pauses = Counter.builder("erasure.sink.pauses").description("times consumption paused for a store outage")
                .tags("sink", sink, "lane", this.lane).register(registry);
        this.aborts = Counter.builder("erasure.sink.transaction.aborts").description("Kafka transactions aborted and retried")
                .tags("sink", sink, "lane", this.lane).register(registry);
        Gauge.builder("erasure.sink.consumer.lag", lag, AtomicLong::get).description("records behind the end of the assigned partitions")
                .tags("sink", sink, "lane", this.lane).register(registry);
        Gauge.builder("erasure.sink.store.up", storeUp, AtomicLong::get).description("1 when the store answered last time")
                .tags("sink", sink, "lane", this.lane).register(registry);
        Gauge.builder("erasure.sink.paused", paused, AtomicLong::get).description("1 while consumption is paused")
                .tags("sink", sink, "lane", this.lane).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void batch(int size) {
        batchSize.record(size);
    }

    public Timer eraseTimer() {
        return erase;
    }

    public Timer verifyTimer() {
        return verify;
    }

    public void retry() {
        retries.increment();
    }

    public void deadLetter() {
        dlq.increment();
    }

    public void skipped(String reason) {
        registry.counter("erasure.sink.skipped", "sink", sink, "lane", lane, "reason", reason).increment();
    }

    public void aborted() {
        aborts.increment();
    }

    public void paused(boolean isPaused) {
        if (isPaused) {
            pauses.increment();
        }
        paused.set(isPaused ? 1 : 0);
        storeUp.set(isPaused ? 0 : 1);
    }

    public void writeAhead(int reports) {
        if (reports > 0) {
            registry.counter("erasure.sink.write.ahead.reports", "sink", sink, "lane", lane).increment(reports);
        }
    }

    /** The adaptive chunk size and the cost per request behind it. */
    public void sizing(BatchSizer sizer) {
        Gauge.builder("erasure.sink.chunk.target.size", sizer, BatchSizer::next)
                .description("requests the next chunk may hold (adaptive)").tags("sink", sink, "lane", lane).register(registry);
        Gauge.builder("erasure.sink.seconds.per.request", sizer, BatchSizer::secondsPerItem)
                .description("store seconds per request (fitted over recent chunks)").tags("sink", sink, "lane", lane).register(registry);
        Gauge.builder("erasure.sink.seconds.per.chunk.fixed", sizer, BatchSizer::fixedSeconds)
                .description("store seconds per chunk whatever its size (fitted over recent chunks)").tags("sink", sink, "lane", lane).register(registry);
    }

    public void lag(long value) {
        lag.set(value);
    }

    public void completed(PhaseStatus status, Iterable<TargetResult> targets) {
        registry.counter("erasure.sink.requests", "sink", sink, "lane", lane, "status", status.name()).increment();
        for (TargetResult t : targets) {
            add(t.target(), "deleted", t.deleted());
            add(t.target(), "masked", t.masked());
            add(t.target(), "would_delete", t.wouldDelete());
            add(t.target(), "would_mask", t.wouldMask());
            add(t.target(), "residual", t.residual());
        }
    }

    private void add(String target, String action, long n) {
        if (n > 0) {
            registry.counter("erasure.sink.records", "sink", sink, "lane", lane, "target", target, "action", action).increment(n);
        }
    }
}
