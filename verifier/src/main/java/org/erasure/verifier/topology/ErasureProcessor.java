package org.erasure.verifier.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier's one stateful step: aggregates requests and phase reports per requestId, emits
 * hash-chained {@link ErasureCompleted} records, and times out pending requests on wall-clock
 * punctuation. See the module README for the rules; in short:
 *
 * <ul>
 *   <li>revision 1 when every requested phase reported, or on timeout (missing phases named);</li>
 *   <li>after that, every accepted change (late report, higher attempt, new content) emits the
 *       next revision at once; redeliveries and stale attempts change nothing;</li>
 *   <li>a replay (request with {@code replayOf = X}) starts at X's revision + 1, learned by asking
 *       X's task through the lineage topic;</li>
 *   <li>each record links to the previous record <em>of this task's partition</em>, whose hash is
 *       kept in the {@code chain-heads} store; the record is written to that same partition;</li>
 *   <li>with {@link KeyShredding}: a sealed request whose record is COMPLETED is put on the
 *       {@code shred-schedule}; a second wall-clock punctuation shreds the due keys and emits the next
 *       revision with {@code shreddedAt}. A key-store failure is retried at the next punctuation.</li>
 *   <li>a sealed request whose key was already shredded (or does not open) when it was read arrives without a
 *       digest ({@link RequestSummary#identifiersUnreadable()}) and is recorded like any request, its record
 *       carrying the code instead of the digest.</li>
 * </ul>
 */
public final class ErasureProcessor implements Processor<String, Inbound, String, Outbound> {
    private static final Logger log = LoggerFactory.getLogger(ErasureProcessor.class);
    private static final HexFormat HEX = HexFormat.of();

    private final Timeouts timeouts;
    private final Duration punctuationInterval;
    private final VerifierMetrics metrics;
    /** Null: this verifier shreds no keys. */
    private final KeyShredding shredding;

    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, ErasureState> erasures;
    private KeyValueStore<String, Long> pending;
    private KeyValueStore<Integer, String> chainHeads;
    private KeyValueStore<String, Long> shredSchedule;
    private int partition;
    /**
     * When the next roll marker is due (a shred since the last one), else null. In memory: after a restart the
     * next shred sets it again; until then the segment rolls with any other write to the key topic.
     */
    private Long rollMarkerDueAt;

    /** When a pending request times out. */
    public record Timeouts(Optional<Duration> sla, Duration minWait) {
        /** min(deadline, requestedAt + sla); if already past when first seen: first seen + minWait. */
        long dueMillis(RequestSummary r, long nowMillis) {
            Instant due = r.deadline();
            if (sla.isPresent()) {
                Instant bySla = r.requestedAt().plus(sla.get());
                if (bySla.isBefore(due)) {
                    due = bySla;
                }
            }
            long dueMillis = due.toEpochMilli();
            return dueMillis <= nowMillis ? nowMillis + minWait.toMillis() : dueMillis;
        }
    }

    public ErasureProcessor(Timeouts timeouts, Duration punctuationInterval, VerifierMetrics metrics) {
        this(timeouts, punctuationInterval, metrics, null);
    }

    /** @param shredding the shredding schedule, or null for none (then the {@code shred-schedule} store is not used) */
    public ErasureProcessor(Timeouts timeouts, Duration punctuationInterval, VerifierMetrics metrics, KeyShredding shredding) {
        this.timeouts = timeouts;
        this.punctuationInterval = punctuationInterval;
        this.metrics = metrics;
        this.shredding = shredding;
    }

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.erasures = context.getStateStore(VerifierTopology.ERASURES_STORE);
        this.pending = context.getStateStore(VerifierTopology.PENDING_STORE);
        this.chainHeads = context.getStateStore(VerifierTopology.CHAIN_STORE);
        this.partition = context.taskId().partition();
        context.schedule(punctuationInterval, PunctuationType.WALL_CLOCK_TIME, this::timeOutDue);
        if (shredding != null) {
            this.shredSchedule = context.getStateStore(VerifierTopology.SHRED_SCHEDULE_STORE);
            context.schedule(shredding.interval(), PunctuationType.WALL_CLOCK_TIME, this::shredDue);
        }
    }

    @Override
    public void process(Record<String, Inbound> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        switch (record.value()) {
            case Inbound.Request r -> onRequest(record.key(), r.summary(), now);
            case Inbound.Report r -> onReport(record.key(), r.report(), now);
            case Inbound.Lineage l -> onLineage(record.key(), l.message(), now);
        }
    }

    private void onRequest(String key, RequestSummary request, long now) {
        ErasureState state = load(key, now);
        if (state.request() != null) {
            // Read again after its key was shredded (a redelivery, a sink's offsets reset): the same request, not a conflict.
            boolean same = state.request().equals(request) || request.isUnreadableCopyOf(state.request());
            metrics.request(same ? "duplicate" : "conflicting");
            if (!same) {
                log.warn("Ignoring a different request with an already known requestId={} contributorId={}",
                        request.requestId(), request.contributorId());
            }
            return;
        }
        metrics.request("accepted");
        state = state.withRequest(request);
        log.info("Request received requestId={} contributorId={} mode={} phases={} replayOf={}",
                request.requestId(), request.contributorId(), request.mode(), request.systems(), request.replayOf());
        if (request.replayOf() != null) {
            forward(request.replayOf().toString(), new Outbound.Lineage(LineageMessage.ask(request.requestId())), now);
        }
        pending.put(key, timeouts.dueMillis(request, now));
        erasures.put(key, state);
        maybeEmit(key, state, now, false);
    }

    private void onReport(String key, PhaseCompleted report, long now) {
        ErasureState state = load(key, now);
        Phase phase = report.phase();
        ReportFingerprint fingerprint = ReportFingerprint.of(report);
        if (state.seen(phase, fingerprint)) {
            metrics.report("duplicate");
            log.debug("Duplicate report ignored requestId={} phase={} attempt={}", key, phase, report.attempt());
            return;
        }
        state = state.withSeen(phase, fingerprint.compact());
        if (report.status() == PhaseStatus.STARTED) {
            // Write-ahead: remembered for the episode the next result of this phase closes.
            metrics.report("started");
            erasures.put(key, state.withAnnounced(phase, PhaseCounts.announce(state.announced(phase), report.targets())));
            return;
        }
        PhaseResult current = state.phases().get(phase);
        if (current != null && report.attempt() < current.attempt()) {
            metrics.report("stale");
            log.info("Report of an older attempt kept out of the record requestId={} contributorId={} phase={} attempt={} current={}",
                    key, report.contributorId(), phase, report.attempt(), current.attempt());
            erasures.put(key, state);
            return;
        }
        PhaseResult recorded = PhaseCounts.record(current, state.announced(phase), report);
        state = state.withPhase(phase, recorded).withAnnounced(phase, List.of());
        if (recorded == current) {
            metrics.report("unchanged");
            log.info("Report confirms the recorded facts, no new revision requestId={} contributorId={} phase={} status={}",
                    key, report.contributorId(), phase, report.status());
            erasures.put(key, state);
            return;
        }
        if (state.request() != null && !state.request().systems().contains(phase)) {
            metrics.report("unrequested");
            log.info("Report for a phase the request did not ask for requestId={} contributorId={} phase={} status={}",
                    key, report.contributorId(), phase, report.status());
        } else {
            metrics.report("accepted");
            // DEBUG: five per request in a burst (plus five STARTED, not logged); verifier_reports_total counts them,
            // and "Request received" / "Erasure record emitted" stay at INFO.
            log.debug("Report received requestId={} contributorId={} phase={} status={} attempt={}",
                    key, report.contributorId(), phase, report.status(), report.attempt());
        }
        erasures.put(key, state);
        maybeEmit(key, state, now, false);
    }

    private void onLineage(String key, LineageMessage message, long now) {
        ErasureState state = load(key, now);
        switch (message.kind()) {
            case ASK -> {
                // key = the original; message.requestId = the replay asking for our revision.
                erasures.put(key, state.withReplayedBy(message.requestId()));
                forward(message.requestId().toString(),
                        new Outbound.Lineage(LineageMessage.answer(UUID.fromString(key), state.revision())), now);
            }
            case ANSWER -> {
                if (state.replayBase() != null) {
                    return; // redelivered answer
                }
                state = state.withReplayBase(message.revision());
                erasures.put(key, state);
                maybeEmit(key, state, now, false);
            }
        }
    }

    /** The keys of a schedule (requestId -> due time in ms) whose time has come: collected first, so that handling one may delete it. */
    private static List<String> due(KeyValueStore<String, Long> schedule, long now) {
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = schedule.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> e = it.next();
                if (e.value != null && e.value <= now) {
                    due.add(e.key);
                }
            }
        }
        return due;
    }

    /** Wall-clock punctuation: emit TIMED_OUT (naming the missing phases) for every due request. */
    private void timeOutDue(long now) {
        for (String key : due(pending, now)) {
            ErasureState state = erasures.get(key);
            if (state == null || state.request() == null || state.status() == ErasureState.Status.FINAL) {
                pending.delete(key);
                continue;
            }
            if (state.request().replayOf() != null && state.replayBase() == null) {
                log.warn("Replay timed out before its original answered; numbering from revision 1 requestId={} contributorId={}",
                        key, state.request().contributorId());
            }
            maybeEmit(key, state, now, true);
        }
    }

    /**
     * Wall-clock punctuation: shreds the keys whose time has come, each followed by a revision with
     * {@code shreddedAt}. The shred is idempotent (a tombstone), so a transaction aborted after it only repeats it.
     * A key-store failure ends this round and the rest waits for the next one: an outage of the key store must
     * not stop the stream thread (timeouts and records go on meanwhile).
     */
    private void shredDue(long now) {
        if (rollMarkerDueAt != null && rollMarkerDueAt <= now) {
            try {
                shredding.keys().writeRollMarker();
                rollMarkerDueAt = null;
            } catch (RuntimeException e) {
                log.warn("Roll marker not written to the key topic; retried at the next punctuation ({})", e.getClass().getSimpleName());
            }
        }
        for (String key : due(shredSchedule, now)) {
            ErasureState state = erasures.get(key);
            if (state == null || state.shreddedAt() != null || !isDone(state.outcome())) {
                shredSchedule.delete(key); // no longer due: already shredded, or a later revision is not COMPLETED
                continue;
            }
            try {
                shredding.keys().shred(UUID.fromString(key));
            } catch (RuntimeException e) {
                // The message names the key topic and the requestId only (KafkaKeyStore); never key material.
                metrics.shred("failed");
                log.warn("Key shred failed, retried at the next punctuation requestId={} ({}: {})", key,
                        e.getClass().getSimpleName(), e.getMessage());
                return;
            }
            metrics.shred("shredded");
            shredSchedule.delete(key);
            ErasureState shredded = state.withShreddedAt(Instant.ofEpochMilli(now));
            erasures.put(key, shredded);
            log.info("Key shredded requestId={} contributorId={}", key, state.request().contributorId());
            maybeEmit(key, shredded, now, false);
            if (rollMarkerDueAt == null) {
                rollMarkerDueAt = now + shredding.rollEvery().toMillis();
            }
        }
    }

    /**
     * Emits the next revision if it is due: first record when every requested phase reported (or
     * {@code timedOut}), later revisions whenever the content changed.
     */
    private void maybeEmit(String key, ErasureState state, long now, boolean timedOut) {
        RequestSummary request = state.request();
        if (request == null) {
            return; // reports wait for their request
        }
        Set<Phase> missing = state.missingPhases();
        if (state.status() == ErasureState.Status.PENDING) {
            boolean lineageKnown = request.replayOf() == null || state.replayBase() != null;
            if (!timedOut && (!missing.isEmpty() || !lineageKnown)) {
                return;
            }
        }
        int base = state.replayBase() == null ? 0 : state.replayBase();
        int revision = state.revision() == 0 ? base + 1 : state.revision() + 1;
        Instant completedAt = Instant.ofEpochMilli(now);
        ErasureCompleted.Builder builder = ErasureCompleted.builder()
                .requestId(request.requestId())
                .contributorId(request.contributorId())
                .subjectDigest(request.subjectDigest())
                .mode(request.mode())
                .requestedAt(request.requestedAt())
                .replayOf(request.replayOf())
                .missingPhases(missing)
                .completedAt(completedAt)
                .shreddedAt(state.shreddedAt())
                .identifiersUnreadable(request.identifiersUnreadable())
                .revision(revision);
        state.requestedPhases().forEach(builder::phase);
        ErasureCompleted record = builder.build();
        String contentFingerprint = contentFingerprint(record);
        if (contentFingerprint.equals(state.emittedFingerprint())) {
            return; // nothing an auditor would see changed
        }
        String previousHash = chainHeads.get(partition);
        ErasureCompleted sealed = IntegrityChain.seal(record, previousHash);
        chainHeads.put(partition, sealed.hash());
        erasures.put(key, schedule(key, state.emitted(revision, sealed.outcome(), contentFingerprint, completedAt)));
        pending.delete(key);
        forward(key, new Outbound.Completion(partition, sealed), now);
        metrics.emitted(sealed.outcome(), revision);
        log.info("Erasure record emitted requestId={} contributorId={} outcome={} revision={} missingPhases={} failedPhases={}{}",
                key, request.contributorId(), sealed.outcome(), revision, sealed.missingPhases(), sealed.failedPhases(),
                request.identifiersUnreadable() == null ? "" : " identifiersUnreadable=" + request.identifiersUnreadable());
    }

    /**
     * A sealed request's key is due for shredding {@code after} its COMPLETED record (the latest one, if a later
     * revision is COMPLETED again); any other outcome keeps the key, so the request can be run again.
     */
    private ErasureState schedule(String key, ErasureState state) {
        // A request whose identifiers could not be read has no key to shred (KEY_SHREDDED) or one nobody can use.
        if (shredding == null || !state.request().isSealed() || state.shreddedAt() != null
                || state.request().identifiersUnreadable() != null) {
            return state;
        }
        if (isDone(state.outcome())) {
            Instant due = state.finalizedAt().plus(shredding.after());
            shredSchedule.put(key, due.toEpochMilli());
            return state.withShredDueAt(due);
        }
        if (state.shredDueAt() != null) {
            shredSchedule.delete(key);
        }
        return state.withShredDueAt(null);
    }

    /**
     * Whether the request's key has done its job: COMPLETED (erased), or RESTORED (a restore request, whose
     * identifiers are a copy of its original's: kept no longer than an erasure's).
     */
    private static boolean isDone(Outcome outcome) {
        return outcome == Outcome.COMPLETED || outcome == Outcome.RESTORED;
    }

    private void forward(String key, Outbound value, long now) {
        context.forward(new Record<>(key, value, now));
    }

    private ErasureState load(String key, long now) {
        ErasureState state = erasures.get(key);
        return state != null ? state : ErasureState.empty(Instant.ofEpochMilli(now));
    }

    /** What an auditor would see, without time, revision and integrity fields. */
    static String contentFingerprint(ErasureCompleted record) {
        ErasureCompleted.Builder b = ErasureCompleted.builder()
                .requestId(record.requestId())
                .contributorId(record.contributorId())
                .subjectDigest(record.subjectDigest())
                .mode(record.mode())
                .requestedAt(record.requestedAt())
                .replayOf(record.replayOf())
                .missingPhases(record.missingPhases())
                .completedAt(record.requestedAt())
                .shreddedAt(record.shreddedAt())
                .identifiersUnreadable(record.identifiersUnreadable())
                .revision(1);
        record.phases().forEach(b::phase);
        return fingerprint(IntegrityChain.canonicalJson(b.build()));
    }

    static String fingerprint(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
