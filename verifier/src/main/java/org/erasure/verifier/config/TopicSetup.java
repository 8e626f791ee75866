package org.erasure.verifier.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics the verifier writes (completions, phase-completions DLQ, replay lineage) when
 * missing, and refuses to start when the partition counts the integrity chain relies on disagree:
 * phase-completions, completions and lineage must all have {@code verifier.partitions} partitions.
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    public static void ensure(VerifierConfig c) {
        Properties props = new Properties();
        props.put("bootstrap.servers", c.bootstrapServers());
        c.kafkaStreams().forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                props.put(k, v);
            }
        });
        try (Admin admin = Admin.create(props)) {
            List<String> mustMatch = List.of(c.topics().phaseCompletions(), c.topics().phaseCompletionsBulk(), c.topics().completions(), c.lineageTopic());
            create(admin, c, List.of(c.topics().requests(), c.topics().requestsBulk(), c.topics().phaseCompletions(), c.topics().phaseCompletionsBulk(),
                    c.topics().completions(), c.lineageTopic(), c.topics().phaseCompletionsDlq(), c.topics().phaseCompletionsBulkDlq()));
            Map<String, TopicDescription> described = describeOnceKnown(admin, mustMatch);
            List<String> wrong = new ArrayList<>();
            described.forEach((name, d) -> {
                if (d.partitions().size() != c.partitions()) {
                    wrong.add(name + " has " + d.partitions().size());
                }
            });
            if (!wrong.isEmpty()) {
                throw new IllegalStateException("verifier.partitions is " + c.partitions() + " but " + String.join(", ", wrong)
                        + " partitions: the hash chain needs one partition count for phase-completions (both lanes), completions and lineage");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot check the verifier's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A topic just created may not have reached the broker's metadata yet ("This server does not host
     * this topic-partition"): ask again for a few seconds before calling it missing.
     */
    private static Map<String, TopicDescription> describeOnceKnown(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        Retry untilKnown = Retry.of("verifier-topics", RetryConfig.custom()
                .maxAttempts(150) // 30 s
                .intervalFunction(IntervalFunction.of(java.time.Duration.ofMillis(200)))
                .retryOnException(e -> e instanceof ExecutionException x && x.getCause() instanceof UnknownTopicOrPartitionException)
                .build());
        try {
            return untilKnown.executeCallable(() -> admin.describeTopics(names).allTopicNames().get());
        } catch (ExecutionException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void create(Admin admin, VerifierConfig c, List<String> names) throws InterruptedException, ExecutionException {
        List<NewTopic> missing = new ArrayList<>();
        for (String name : names) {
            try {
                admin.describeTopics(List.of(name)).allTopicNames().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                Map<String, String> configs = new HashMap<>();
                if (name.equals(c.lineageTopic())) {
                    configs.put("retention.ms", Long.toString(7L * 24 * 3600 * 1000));
                }
                missing.add(new NewTopic(name, c.partitions(), c.replicationFactor()).configs(configs));
            }
        }
        for (NewTopic t : missing) {
            try {
                admin.createTopics(List.of(t)).all().get();
                log.info("Created topic {} ({} partitions)", t.name(), t.numPartitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
