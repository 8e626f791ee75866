package org.erasure.verifier.status;

import java.util.TreeSet;
import java.util.TreeMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.verifier.topology.ErasureState;
import org.erasure.verifier.topology.RequestSummary;
import org.erasure.verifier.topology.VerifierTopology;

/**
 * The requests one instance is waiting on: its active tasks' {@code pending} store (requests without
 * a final record) joined with their {@code erasures} state. Only what the page shows leaves here:
 * ids, mode, times and phase progress, never the subject digest.
 *
 * @param instance  host:port of the instance that answered
 * @param total     all pending requests of its active tasks
 * @param requests  the {@code limit} with the earliest timeout, earliest first
 * @param error     why the stores could not be read (restoring, rebalancing); null when read
 */
public record InFlight(String instance, long total, List<Request> requests, String error) {

    /**
     * One pending request.
     *
     * @param dueAt   when the verifier times it out (its deadline, the SLA, or the minimum wait)
     * @param missing requested phases without a result
     * @param phases  each requested phase: its result's status, STARTED while only the sink's
     *                write-ahead arrived, or WAITING
     */
    public record Request(UUID requestId, String contributorId, Mode mode, Instant requestedAt, Instant deadline,
                          Instant dueAt, Set<Phase> missing, Map<Phase, String> phases) {

        /** Phase order as declared, also for an answer read back from a peer's JSON. */
        public Request {
            TreeSet<Phase> ordered = new TreeSet<>();
            ordered.addAll(missing == null ? Set.of() : missing);
            missing = Collections.unmodifiableSet(ordered);
            Map<Phase, String> byPhase = new TreeMap<>();
            byPhase.putAll(phases == null ? Map.of() : phases);
            phases = Collections.unmodifiableMap(byPhase);
        }

        static Request of(RequestSummary r, ErasureState s, long dueMillis) {
            Map<Phase, String> phases = new TreeMap<>();
            for (Phase p : r.systems()) {
                var result = s.phases().get(p);
                phases.put(p, result != null ? result.status().name() : s.announced(p).isEmpty() ? "WAITING" : "STARTED");
            }
            return new Request(r.requestId(), r.contributorId(), r.mode(), r.requestedAt(), r.deadline(),
                    Instant.ofEpochMilli(dueMillis), s.missingPhases(), phases);
        }
    }

    public static InFlight unavailable(String instance, String why) {
        return new InFlight(instance, 0, List.of(), why);
    }

    /** Reads this instance's active stores; never throws for a store that is not queryable yet. */
    public static InFlight local(KafkaStreams streams, String instance, int limit) {
        if (streams == null || !streams.state().isRunningOrRebalancing()) {
            return unavailable(instance, "verifier is not running");
        }
        try {
            ReadOnlyKeyValueStore<String, Long> pending = streams.store(StoreQueryParameters.fromNameAndType(
                    VerifierTopology.PENDING_STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
            ReadOnlyKeyValueStore<String, ErasureState> erasures = streams.store(StoreQueryParameters.fromNameAndType(
                    VerifierTopology.ERASURES_STORE, QueryableStoreTypes.<String, ErasureState>keyValueStore()));
            // The `limit` earliest due: a bounded max-heap, so a burst of 100,000 pending keeps `limit` entries.
            PriorityQueue<KeyValue<String, Long>> earliest = new PriorityQueue<>(
                    Comparator.comparing((KeyValue<String, Long> kv) -> kv.value).reversed());
            long total = 0;
            try (KeyValueIterator<String, Long> it = pending.all()) {
                while (it.hasNext()) {
                    KeyValue<String, Long> kv = it.next();
                    total++;
                    earliest.add(kv);
                    if (earliest.size() > limit) {
                        earliest.poll();
                    }
                }
            }
            List<KeyValue<String, Long>> chosen = new ArrayList<>(earliest);
            chosen.sort(Comparator.comparing((KeyValue<String, Long> kv) -> kv.value).thenComparing(kv -> kv.key));
            List<Request> requests = new ArrayList<>();
            for (KeyValue<String, Long> kv : chosen) {
                ErasureState s = erasures.get(kv.key);
                if (s != null && s.request() != null) {
                    requests.add(Request.of(s.request(), s, kv.value));
                }
            }
            return new InFlight(instance, total, requests, null);
        } catch (InvalidStateStoreException e) {
            return unavailable(instance, "state stores not queryable yet (restoring or rebalancing)");
        }
    }
}
