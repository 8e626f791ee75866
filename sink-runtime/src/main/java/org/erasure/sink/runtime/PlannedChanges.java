package org.erasure.sink.runtime;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.SinkInfo;
import org.erasure.events.TargetResult;
import org.erasure.events.Verification;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.WriteAhead;

/**
 * The {@link WriteAhead} of one {@code erase} call: adds up what the store announces per request
 * and target, and publishes each announced request's running total as a STARTED report. A retry
 * or a bisected sub-batch is a new call, hence a new instance: its totals start again from 0 (the
 * verifier takes the larger of the announcements, so a retry never counts twice).
 */
final class PlannedChanges implements WriteAhead {
    private final Map<UUID, ErasureItem> executes = new HashMap<>();
    private final Map<UUID, ContributorErasureRequested> requests;
    private final Phase phase;
    private final SinkInfo sink;
    private final Clock clock;
    private final Instant startedAt;
    private final WriteAheadPublisher publisher;
    private final Map<UUID, Map<String, long[]>> totals = new HashMap<>();
    private final RestorationLog restoration;

    PlannedChanges(ErasureBatch batch, Map<UUID, ContributorErasureRequested> requests, Phase phase, SinkInfo sink,
                   Clock clock, WriteAheadPublisher publisher) {
        this(batch, requests, phase, sink, clock, publisher, RestorationLog.OFF);
    }

    PlannedChanges(ErasureBatch batch, Map<UUID, ContributorErasureRequested> requests, Phase phase, SinkInfo sink,
                   Clock clock, WriteAheadPublisher publisher, RestorationLog restoration) {
        this.restoration = restoration;
        batch.executes().forEach(i -> executes.put(i.requestId(), i));
        this.requests = requests;
        this.phase = phase;
        this.sink = sink;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.publisher = publisher;
    }

    @Override
    public RestorationLog restoration() {
        return restoration;
    }

    @Override
    public void record(Map<UUID, List<TargetResult>> planned) {
        List<PhaseCompleted> started = new ArrayList<>();
        for (Map.Entry<UUID, List<TargetResult>> e : planned.entrySet()) {
            ContributorErasureRequested request = requests.get(e.getKey());
            if (request == null || !executes.containsKey(e.getKey())) {
                continue; // dry-run or foreign ids announce nothing (contract: EXECUTE items only)
            }
            Map<String, long[]> running = totals.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>());
            boolean changed = false;
            for (TargetResult t : e.getValue()) {
                if (t.deleted() == 0 && t.masked() == 0) {
                    continue;
                }
                long[] n = running.computeIfAbsent(t.target(), k -> new long[2]);
                n[0] += t.deleted();
                n[1] += t.masked();
                changed = true;
            }
            if (changed) {
                started.add(report(request, running));
            }
        }
        publisher.publish(started);
    }

    private PhaseCompleted report(ContributorErasureRequested request, Map<String, long[]> running) {
        List<TargetResult> targets = new ArrayList<>(running.size());
        running.forEach((target, n) -> targets.add(TargetResult.erased(target, n[0], n[1], 0)));
        Instant now = clock.instant();
        return PhaseCompleted.builder().forRequest(request).phase(phase).sink(sink).status(PhaseStatus.STARTED)
                .targets(targets).verification(Verification.notChecked(List.of()))
                .startedAt(startedAt).completedAt(now.isBefore(startedAt) ? startedAt : now).build();
    }
}
