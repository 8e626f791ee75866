package org.erasure.verifier.bench;

import com.typesafe.config.ConfigFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.verifier.config.VerifierConfig;

/**
 * A burst backlog through a real verifier on the dev-stack broker: N requests, their 5 STARTED
 * and 5 result reports are published first, then the verifier starts and works through them.
 * Prints wall time to the last record and the CPU of the verifier's Java threads (stream thread,
 * its producer/consumer threads). Args: requests, then Streams overrides as key=value. Not a test;
 * take the heavy lock (it starts a broker).
 */
public final class VerifierBurst {
    static final String APP = "vburst";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int partitions = 6;
        Path work = Files.createTempDirectory("verifier-burst");
        try (KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"))) {
            Topics topics = Topics.withPrefix("");
            kafka.createTopics(partitions, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions()));
            Map<String, Object> producerConfig = kafka.producerConfig();
            producerConfig.put("linger.ms", 5);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
                List<ContributorErasureRequested> requests = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ContributorErasureRequested r = Events.request("c-" + i, Instant.now()).systems(Phase.all()).build();
                    requests.add(r);
                    producer.send(new ProducerRecord<>(topics.requests(), r.kafkaKey(), EventJson.writeString(r)));
                }
                for (PhaseStatus status : List.of(PhaseStatus.STARTED, PhaseStatus.SUCCEEDED)) {
                    for (ContributorErasureRequested r : requests) {
                        for (Phase p : r.systems()) {
                            PhaseCompleted report = status == PhaseStatus.SUCCEEDED ? Events.report(r, p, status, 1)
                                    : PhaseCompleted.builder().forRequest(r).phase(p).status(status).attempt(1)
                                            .startedAt(r.requestedAt().plusSeconds(1)).completedAt(r.requestedAt().plusSeconds(1))
                                            .sink("sink-" + p.name().toLowerCase(Locale.ROOT), "test")
                                            .targets(TargetResult.erased(p.name().toLowerCase(Locale.ROOT) + "-target", 3, 2, 0)).build();
                            producer.send(new ProducerRecord<>(topics.phaseCompletions(), report.kafkaKey(), EventJson.writeString(report)));
                        }
                    }
                }
            }
            Map<String, Object> s = new HashMap<>();
            s.put("verifier.application-id", APP);
            s.put("verifier.bootstrap-servers", kafka.bootstrapServers());
            s.put("verifier.partitions", partitions);
            s.put("verifier.state-dir", work.resolve("state").toString());
            s.put("verifier.digest-key", "bench-digest-key-0123456789");
            s.put("verifier.http.port", 0);
            for (int i = 1; i < args.length; i++) {
                String[] kv = args[i].split("=", 2);
                s.put("verifier.kafka-streams.\"" + kv[0] + "\"", kv[1]);
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long process0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            try (VerifierService verifier = VerifierService.start(VerifierConfig.from(ConfigFactory.parseMap(s)))) {
                int read = readCompletions(kafka, topics.completions(), n, Duration.ofMinutes(10));
                long wall = System.nanoTime() - start;
                long cpu = 0;
                for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
                    if (t != null && t.getThreadName().contains(APP)) {
                        cpu += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
                    }
                }
                int records = n * 11;
                System.err.printf(Locale.ROOT, "%d records in, %d out: %.1f s wall (%.0f records/s), verifier threads %.1f s CPU = %.0f µs/record; process (incl. broker) %.1f s CPU%n",
                        records, read, wall / 1e9, records / (wall / 1e9), cpu / 1e9, cpu / 1e3 / records, (os.getProcessCpuTime() - process0) / 1e9);
            }
        }
    }

    static int readCompletions(KafkaBroker kafka, String topic, int expected, Duration timeout) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int read = 0;
        long until = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (read < expected && System.nanoTime() < until) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        return read;
    }
}
