package org.erasure.verifier.status;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.erasure.events.Phase;
import org.erasure.events.Topics;

/**
 * Each sink's consumer lag on both request lanes, from its consumer groups' committed offsets and
 * the lanes' end offsets (Admin API; nothing is consumed). Lag counts offsets, so a transaction's
 * commit marker after the last request can show as 1 on an idle partition whose sink is done.
 */
final class SinkLag {

    /**
     * One sink's group on one lane.
     *
     * @param lag       end offset minus committed offset, summed over the lane's partitions; a
     *                  partition without a committed offset counts from its earliest offset
     * @param committed whether the group has committed any offset on the lane
     * @param state     the group's state (STABLE, EMPTY, DEAD when unknown to the broker…)
     * @param members   consumers in the group now
     */
    record Lane(String group, String topic, long lag, boolean committed, String state, int members) {}

    record Sink(Phase phase, Lane interactive, Lane bulk) {}

    /** @param error why the lag could not be read; null when read */
    record Report(List<Sink> sinks, String error) {}

    private final Admin admin;
    private final Topics topics;
    private final StatusPageConfig config;

    SinkLag(Admin admin, Topics topics, StatusPageConfig config) {
        this.admin = admin;
        this.topics = topics;
        this.config = config;
    }

    Report read() {
        try {
            return new Report(sinks(), null);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return new Report(List.of(), "cannot read consumer lag: " + cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Report(List.of(), "interrupted");
        }
    }

    private List<Sink> sinks() throws ExecutionException, InterruptedException, TimeoutException {
        List<String> lanes = List.of(topics.requests(), topics.requestsBulk());
        List<TopicPartition> partitions = new ArrayList<>();
        admin.describeTopics(lanes).allTopicNames().get(10, TimeUnit.SECONDS).forEach((topic, d) ->
                d.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());

        Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
        for (Phase p : Phase.values()) {
            specs.put(config.groupId(p, false), new ListConsumerGroupOffsetsSpec());
            specs.put(config.groupId(p, true), new ListConsumerGroupOffsetsSpec());
        }
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        var offsets = admin.listConsumerGroupOffsets(specs);
        for (String group : specs.keySet()) {
            try {
                committed.put(group, offsets.partitionsToOffsetAndMetadata(group).get(10, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                committed.put(group, Map.of());
            }
        }
        Map<String, ConsumerGroupDescription> groups = new HashMap<>();
        var described = admin.describeConsumerGroups(specs.keySet()).describedGroups();
        for (String group : specs.keySet()) {
            try {
                groups.put(group, described.get(group).get(10, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
        }

        List<Sink> out = new ArrayList<>();
        for (Phase p : Phase.values()) {
            out.add(new Sink(p,
                    lane(config.groupId(p, false), topics.requests(), partitions, end, earliest, committed, groups),
                    lane(config.groupId(p, true), topics.requestsBulk(), partitions, end, earliest, committed, groups)));
        }
        return out;
    }

    private static Lane lane(String group, String topic, List<TopicPartition> partitions, Map<TopicPartition, Long> end,
                             Map<TopicPartition, Long> earliest, Map<String, Map<TopicPartition, OffsetAndMetadata>> committed,
                             Map<String, ConsumerGroupDescription> groups) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committed.getOrDefault(group, Map.of());
        long lag = 0;
        boolean any = false;
        for (TopicPartition tp : partitions) {
            if (!tp.topic().equals(topic)) {
                continue;
            }
            OffsetAndMetadata at = offsets.get(tp);
            any |= at != null;
            long from = at != null ? at.offset() : earliest.getOrDefault(tp, 0L);
            lag += Math.max(0, end.getOrDefault(tp, 0L) - from);
        }
        ConsumerGroupDescription d = groups.get(group);
        return new Lane(group, topic, lag, any, d == null ? "NOT_FOUND" : d.groupState().name(), d == null ? 0 : d.members().size());
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        // read_committed: the last stable offset, so an open transaction's requests do not count yet
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
