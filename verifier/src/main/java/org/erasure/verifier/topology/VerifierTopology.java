package org.erasure.verifier.topology;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.integrity.SubjectDigest;
import org.erasure.events.serde.EventSerdes;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier topology.
 *
 * <pre>
 *  erasure.requests / erasure.requests.bulk (key contributorId)
 *     │ digest identifiers → RequestSummary, key := requestId (one chain per lane)
 *     ▼
 *  [requests-by-id / bulk-requests-by-id repartition, N partitions] ──┐
 *  erasure.phase-completions / .bulk (key requestId) ─────────────────┼─ merge ─► ErasureProcessor ─┬─► erasure.completions
 *  &lt;app-id&gt;.replay-lineage (key requestId) ─────────────────────────┘   stores: erasures,          │   (partition = task partition)
 *         ▲                                                                pending, chain-heads     │
 *         └─────────────────────────────────────────────────────────────────────────────────────────┘ lineage ask/answer
 * </pre>
 *
 * <p>Interactive topics are read first ({@link InteractiveFirst}): an account closure is sealed
 * while a purge's backlog waits.
 *
 * All inputs of the processor have N partitions and are partitioned by requestId, so task {@code p}
 * sees everything about the requests that hash to {@code p} and writes their records to
 * completions partition {@code p}, extending that partition's hash chain.
 */
public final class VerifierTopology {
    private static final Logger log = LoggerFactory.getLogger(VerifierTopology.class);

    /** requestId → {@link ErasureState}; queried by the status API. */
    public static final String ERASURES_STORE = "erasures";
    /** requestId → due time (epoch ms) of requests without a final record. */
    public static final String PENDING_STORE = "pending";
    /** task partition → hash of the last record written to that completions partition. */
    public static final String CHAIN_STORE = "chain-heads";
    /** requestId → when its key is due to be shredded (epoch ms); only when the verifier shreds keys. */
    public static final String SHRED_SCHEDULE_STORE = "shred-schedule";
    /** Interactive requests keyed by requestId (the name predates the lanes: kept so an upgrade loses nothing queued). */
    public static final String REQUESTS_REPARTITION = "requests-by-id";
    public static final String BULK_REQUESTS_REPARTITION = "bulk-requests-by-id";

    private VerifierTopology() {}

    public static Topology build(VerifierConfig config, VerifierMetrics metrics) {
        return build(config, metrics, null);
    }

    /**
     * @param keys opens sealed requests before they are digested; null: sealed requests are skipped. A sealed request
     *             whose key is shredded or does not open goes on without a digest (its record says why).
     */
    public static Topology build(VerifierConfig config, VerifierMetrics metrics, org.erasure.keys.RequestKeys keys) {
        SubjectDigest digest = config.subjectDigest();
        Map<String, String> changelog = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.changelogMinInsyncReplicas()));
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ERASURES_STORE),
                Serdes.String(), ErasureState.SERDE).withLoggingEnabled(changelog));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE),
                Serdes.String(), Serdes.Long()).withLoggingEnabled(changelog));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHAIN_STORE),
                Serdes.Integer(), Serdes.String()).withLoggingEnabled(changelog));
        // The shredding schedule exists only when keys are shredded: without a KEK the topology is as before.
        KeyShredding shredding = keys != null && config.shreds()
                ? new KeyShredding(keys, config.shredding().after().orElseThrow(), config.shredding().interval(), config.keys().topic().segment())
                : null;
        String[] stores = shredding == null ? new String[] {ERASURES_STORE, PENDING_STORE, CHAIN_STORE}
                : new String[] {ERASURES_STORE, PENDING_STORE, CHAIN_STORE, SHRED_SCHEDULE_STORE};
        if (shredding != null) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SHRED_SCHEDULE_STORE),
                    Serdes.String(), Serdes.Long()).withLoggingEnabled(changelog));
        }

        // 1. Requests, keyed by contributorId: replace the identifiers by their digest *before* anything
        //    is written anywhere, then re-key by requestId. One repartition topic per lane, so that the
        //    processor can take an interactive request before queued bulk work (InteractiveFirst).
        KStream<String, Inbound> requests = requestsByRequestId(builder, config.topics().requests(), REQUESTS_REPARTITION, "", digest, metrics, config, keys)
                .merge(requestsByRequestId(builder, config.topics().requestsBulk(), BULK_REQUESTS_REPARTITION, "bulk-", digest, metrics, config, keys),
                        Named.as("merge-lanes"));

        // 2. Phase reports of both lanes, already keyed by requestId.
        KStream<String, Inbound> reports = reports(builder, config.topics().phaseCompletions(), "")
                .merge(reports(builder, config.topics().phaseCompletionsBulk(), "bulk-"), Named.as("merge-report-lanes"));

        // 3. Replay lineage questions/answers the processor sends itself (keyed by the request they are for).
        KStream<String, Inbound> lineage = builder
                .stream(config.lineageTopic(), Consumed.with(Serdes.String(), LineageMessage.SERDE).withName("lineage"))
                .filter((requestId, message) -> message != null, Named.as("drop-lineage-tombstones"))
                .mapValues(Inbound.Lineage::new, Named.as("as-lineage"));

        // 4. Aggregate, time out, seal.
        KStream<String, Outbound> out = requests
                .merge(reports, Named.as("merge-reports"))
                .merge(lineage, Named.as("merge-lineage"))
                .process(() -> new ErasureProcessor(
                                new ErasureProcessor.Timeouts(config.sla(), config.minWait()),
                                config.punctuationInterval(), metrics, shredding),
                        Named.as("erasure-processor"), stores);

        // 5. Sealed records to the emitting task's partition; lineage messages back to the loop.
        out.split(Named.as("out-"))
                .branch((requestId, o) -> o instanceof Outbound.Completion, Branched.withConsumer(completions -> completions
                        .mapValues(o -> (Outbound.Completion) o, Named.as("as-completion"))
                        .to(config.topics().completions(), Produced.with(Serdes.String(), COMPLETION_SERDE)
                                .withStreamPartitioner(TASK_PARTITION)
                                .withName("completions")), "completions"))
                .defaultBranch(Branched.withConsumer(messages -> messages
                        .mapValues(o -> ((Outbound.Lineage) o).message(), Named.as("as-lineage-message"))
                        .to(config.lineageTopic(), Produced.with(Serdes.String(), LineageMessage.SERDE).withName("lineage-out")), "lineage"));

        return builder.build();
    }

    private static KStream<String, Inbound> requestsByRequestId(StreamsBuilder builder, String topic, String repartition, String prefix,
            SubjectDigest digest, VerifierMetrics metrics, VerifierConfig config, org.erasure.keys.RequestKeys keys) {
        return builder
                .stream(topic, Consumed.with(Serdes.String(), EventSerdes.requested()).withName(prefix + "requests"))
                .flatMap((contributorId, request) -> summarise(request, digest, metrics, keys), Named.as(prefix + "digest-and-key-by-request-id"))
                .repartition(Repartitioned.with(Serdes.String(), RequestSummary.SERDE)
                        .withName(repartition)
                        .withNumberOfPartitions(config.partitions()))
                .mapValues(Inbound.Request::new, Named.as(prefix + "as-request"));
    }

    private static KStream<String, Inbound> reports(StreamsBuilder builder, String topic, String prefix) {
        return builder
                .stream(topic, Consumed.with(Serdes.String(), EventSerdes.phaseCompleted()).withName(prefix + "phase-completions"))
                .filter((requestId, report) -> report != null, Named.as(prefix + "drop-tombstones"))
                .mapValues(Inbound.Report::new, Named.as(prefix + "as-report"));
    }

    private static List<KeyValue<String, RequestSummary>> summarise(ContributorErasureRequested request, SubjectDigest digest,
            VerifierMetrics metrics, org.erasure.keys.RequestKeys keys) {
        if (request == null) {
            return List.of();
        }
        boolean sealed = request.hasSealedIdentifiers();
        if (sealed) {
            // Opened only to digest: the identifiers leave this step as the digest, as for a plain request.
            // A key-store outage is retried (KeyStoreUnavailable); without a KEK the request is skipped (a
            // configuration error: the verifier cannot tell a shredded key from one it was not given).
            if (keys == null) {
                metrics.request("sealed");
                log.error("Request skipped: its identifiers are sealed and verifier.keys.kek is not set (docs/privacy.md)"
                        + " requestId={} contributorId={}", request.requestId(), request.contributorId());
                return List.of();
            }
            org.erasure.keys.Opening opening;
            try {
                opening = keys.open(request);
            } catch (RuntimeException e) {
                throw new KeyStoreUnavailable(request.requestId(), e); // retried: see KeyStoreUnavailable
            }
            // A key that is gone (or does not open) is a fact about the request, not an outage: the request is
            // aggregated without a digest, so that it gets a final record saying why (README "Crypto-shredding").
            String unreadable = switch (opening) {
                case org.erasure.keys.Opening.Opened o -> {
                    request = o.request();
                    yield null;
                }
                case org.erasure.keys.Opening.KeyShredded s -> {
                    metrics.request("key_shredded");
                    log.warn("Request without subject digest: {} (its key was shredded before the verifier read it)"
                            + " requestId={} contributorId={}", s.code(), request.requestId(), request.contributorId());
                    yield s.code();
                }
                case org.erasure.keys.Opening.Unreadable u -> {
                    metrics.request("key_unreadable");
                    log.warn("Request without subject digest: {} ({}) requestId={} contributorId={}", u.code(), u.reason(),
                            request.requestId(), request.contributorId());
                    yield u.code();
                }
            };
            if (unreadable != null) {
                RequestSummary summary = RequestSummary.unreadable(request, unreadable);
                return List.of(KeyValue.pair(summary.requestId().toString(), summary));
            }
        }
        try {
            RequestSummary summary = RequestSummary.of(request, digest, sealed);
            return List.of(KeyValue.pair(summary.requestId().toString(), summary));
        } catch (IllegalArgumentException e) {
            // SubjectDigest refuses control characters; the message names the kind of value, not the value.
            metrics.request("undigestable");
            log.error("Request skipped: identifiers cannot be digested ({}) requestId={} contributorId={}",
                    e.getMessage(), request.requestId(), request.contributorId());
            return List.of();
        }
    }

    /** Writes a completion to the partition of the task that sealed it (see class comment). */
    static final StreamPartitioner<String, Outbound.Completion> TASK_PARTITION = (topic, key, value, numPartitions) -> {
        if (value.partition() >= numPartitions) {
            throw new IllegalStateException(topic + " has " + numPartitions + " partitions but task partition "
                    + value.partition() + " emitted: the completions topic must have the verifier's partition count");
        }
        return Optional.of(Set.of(value.partition()));
    };

    /** Serializes only the record; the partition travels to the partitioner, not to the topic. */
    static final Serde<Outbound.Completion> COMPLETION_SERDE = Serdes.serdeFrom(
            (Serializer<Outbound.Completion>) (topic, value) -> value == null ? null
                    : EventSerdes.erasureCompleted().serializer().serialize(topic, value.record()),
            (topic, data) -> data == null ? null
                    : new Outbound.Completion(-1, EventSerdes.erasureCompleted().deserializer().deserialize(topic, data)));
}
