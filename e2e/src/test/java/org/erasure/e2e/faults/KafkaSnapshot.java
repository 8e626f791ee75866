package org.erasure.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.KafkaSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.Phase;

/**
 * The latest value per key of the world's compacted profile topic (a tombstone removes the key), and
 * the record count of the retained feed topic. Erasure tombstones the erased contributors' keys; every
 * other key keeps its value and nothing is written to the retained topic.
 */
record KafkaSnapshot(String profilesTopic, String retainedTopic, Map<String, String> latest, long retainedRecords)
        implements StoreSnapshot {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    static KafkaSnapshot take(KafkaBroker kafka, SeedNames names) {
        String profiles = KafkaSeeder.profilesTopic(names);
        String retained = ClickHouseSeeder.kafkaTopic(names.chDatabase());
        long[] count = {0};
        TopicReader.readAll(kafka, retained, READ_TIMEOUT, r -> count[0]++);
        return new KafkaSnapshot(profiles, retained, TopicReader.latest(kafka, profiles, READ_TIMEOUT), count[0]);
    }

    @Override
    public Phase phase() {
        return Phase.KAFKA;
    }

    @Override
    public Map<String, Counts> erasable(long contributorId) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        counts.put(profilesTopic, Counts.deleted(latest.containsKey(Long.toString(contributorId)) ? 1 : 0));
        counts.put(retainedTopic, Counts.ZERO);
        return counts;
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        KafkaSnapshot after = (KafkaSnapshot) other;
        List<String> problems = new ArrayList<>();
        for (long id : erased) {
            if (after.latest.containsKey(Long.toString(id))) {
                problems.add("kafka: erased contributor " + id + " still has a live value in " + profilesTopic);
            }
        }
        latest.forEach((key, value) -> {
            if (!isErased(key, erased) && !value.equals(after.latest.get(key))) {
                problems.add("kafka: key " + (SampleWorld.KAFKA_UNRELATED_KEYS.contains(key) ? key : "of neighbour " + key)
                        + " changed or vanished");
            }
        });
        after.latest.keySet().stream().filter(k -> !latest.containsKey(k))
                .forEach(k -> problems.add("kafka: a key appeared in " + profilesTopic));
        if (after.retainedRecords != retainedRecords) {
            problems.add("kafka: " + retainedTopic + " went from " + retainedRecords + " to " + after.retainedRecords + " records");
        }
        return problems;
    }

    private static boolean isErased(String key, Set<Long> erased) {
        return key.matches("[0-9]+") && erased.contains(Long.parseLong(key));
    }
}
