package org.erasure.cli.support;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;

/** Plays the verifier in tests: builds final records and publishes them hash-chained on one partition. */
public final class Completions {

    private Completions() {}

    /** A COMPLETED record: PostgreSQL 3 deleted, Elasticsearch 10 masked, ClickHouse 100 masked, S3 2 deleted, Redis 3 deleted. */
    public static ErasureCompleted completed(ContributorErasureRequested r, Instant completedAt) {
        return builder(r.requestId(), r.contributorId(), r.mode(), r.requestedAt(), completedAt).build();
    }

    public static ErasureCompleted.Builder builder(java.util.UUID requestId, String contributorId, Mode mode, Instant requestedAt, Instant completedAt) {
        boolean dry = mode == Mode.DRY_RUN;
        PhaseStatus status = dry ? PhaseStatus.DRY_RUN : PhaseStatus.SUCCEEDED;
        return ErasureCompleted.builder().requestId(requestId).contributorId(contributorId).mode(mode)
                .subjectDigest("ab".repeat(32)).requestedAt(requestedAt).completedAt(completedAt)
                .phase(Phase.POSTGRES, result(status, completedAt, dry, TargetResult.erased("kepler_crowd_contributors_t", 1, 0, 0),
                        TargetResult.erased("kepler_crowd_contributor_job_mapping_t", 2, 0, 0)))
                .phase(Phase.ELASTICSEARCH, result(status, completedAt, dry, TargetResult.erased("project-*", 0, 10, 0)))
                .phase(Phase.CLICKHOUSE, result(status, completedAt, dry, TargetResult.erased("kepler.unit_metrics", 0, 100, 0)))
                .phase(Phase.S3, result(status, completedAt, dry, TargetResult.erased("kepler-contributor-files", 2, 0, 0)))
                .phase(Phase.REDIS, result(status, completedAt, dry, TargetResult.erased("session:*", 3, 0, 0)));
    }

    private static PhaseResult result(PhaseStatus status, Instant at, boolean dry, TargetResult... targets) {
        List<TargetResult> list = new ArrayList<>();
        for (TargetResult t : targets) {
            list.add(dry ? TargetResult.dryRun(t.target(), t.deleted(), t.masked()) : t);
        }
        return new PhaseResult(status, list, 0, !dry, 1, at);
    }

    /** Seals the records in order as one chain and publishes them on partition 0; returns the sealed records. */
    public static List<ErasureCompleted> publishChain(String bootstrap, String topic, List<ErasureCompleted> records, String previousHash) {
        List<ErasureCompleted> sealed = IntegrityChain.sealAll(records, previousHash);
        List<String> json = sealed.stream().map(EventJson::writeString).toList();
        publishRaw(bootstrap, topic, sealed.stream().map(ErasureCompleted::kafkaKey).toList(), json);
        return sealed;
    }

    public static void publishRaw(String bootstrap, String topic, List<String> keys, List<String> values) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < keys.size(); i++) {
                p.send(new ProducerRecord<>(topic, 0, keys.get(i), values.get(i)));
            }
            p.flush();
        }
    }
}
