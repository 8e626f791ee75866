package org.erasure.verifier.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import org.erasure.events.Outcome;

/** The verifier's own counters (Kafka Streams' metrics are bound separately). Thread-safe. */
public final class VerifierMetrics {
    private final MeterRegistry registry;

    public VerifierMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static VerifierMetrics noop() {
        return new VerifierMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A record written to erasure.completions. */
    public void emitted(Outcome outcome, int revision) {
        counter("verifier.records.emitted", "outcome", outcome.name(), "revision", revision == 1 ? "first" : "later").increment();
    }

    /** A phase report: accepted, duplicate, stale (lower attempt), unrequested (phase not in systems). */
    public void report(String result) {
        counter("verifier.reports", "result", result).increment();
    }

    /** A request: accepted, duplicate, conflicting (same id, different content), undigestable. */
    public void request(String result) {
        counter("verifier.requests", "result", result).increment();
    }

    /** A record the verifier could not read: topic role (requests, phase-completions, other). */
    public void unreadable(String source) {
        counter("verifier.unreadable", "source", source).increment();
    }

    /** A scheduled key shred: shredded, or failed (key store unavailable; retried at the next punctuation). */
    public void shred(String result) {
        counter("verifier.key.shreds", "result", result).increment();
    }

    private Counter counter(String name, String... tags) {
        for (int i = 1; i < tags.length; i += 2) {
            tags[i] = tags[i].toLowerCase(Locale.ROOT);
        }
        return registry.counter(name, tags);
    }
}
