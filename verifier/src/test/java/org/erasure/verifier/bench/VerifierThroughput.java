package org.erasure.verifier.bench;

import com.typesafe.config.ConfigFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.events.serde.EventSerdes;
import org.erasure.verifier.Events;
import org.erasure.verifier.config.StreamsProperties;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.erasure.verifier.topology.VerifierTopology;

/**
 * Verifier CPU per input record, through {@link VerifierTopology#build} on a TopologyTestDriver
 * (RocksDB stores, no broker): N requests, their 5 STARTED reports, then their 5 results, as in a
 * burst. Inputs are serialized before the clock starts. Not a test: run its main (args: requests,
 * rounds) with the production logback.xml to count the cost of logging.
 */
public final class VerifierThroughput {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<ContributorErasureRequested> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(Events.request("c-" + i, T0).systems(Phase.all()).build());
        }
        List<byte[]> requestBytes = new ArrayList<>();
        List<String> requestKeys = new ArrayList<>();
        List<byte[]> started = new ArrayList<>();
        List<byte[]> results = new ArrayList<>();
        List<String> reportKeys = new ArrayList<>();
        var reqSer = EventSerdes.requested().serializer();
        var repSer = EventSerdes.phaseCompleted().serializer();
        for (ContributorErasureRequested r : requests) {
            requestKeys.add(r.kafkaKey());
            requestBytes.add(reqSer.serialize("t", r));
            for (Phase p : r.systems()) {
                String target = p.name().toLowerCase(Locale.ROOT) + "-target";
                PhaseCompleted s = PhaseCompleted.builder().forRequest(r).phase(p).status(PhaseStatus.STARTED).attempt(1)
                        .startedAt(T0.plusSeconds(1)).completedAt(T0.plusSeconds(1))
                        .sink("sink-" + p.name().toLowerCase(Locale.ROOT), "test")
                        .targets(TargetResult.erased(target, 3, 2, 0)).build();
                reportKeys.add(s.kafkaKey());
                started.add(repSer.serialize("t", s));
                results.add(repSer.serialize("t", Events.report(r, p, PhaseStatus.SUCCEEDED, 1)));
            }
        }
        int records = requestBytes.size() + started.size() + results.size();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            Path dir = Files.createTempDirectory("verifier-bench");
            VerifierConfig config = VerifierConfig.from(ConfigFactory.parseMap(Map.of(
                    "verifier.digest-key", "bench-digest-key-0123456789",
                    "verifier.state-dir", dir.toString(),
                    "verifier.partitions", 1)));
            VerifierMetrics metrics = VerifierMetrics.noop();
            try (TopologyTestDriver driver = new TopologyTestDriver(VerifierTopology.build(config, metrics),
                    StreamsProperties.of(config, null, metrics), T0)) {
                TestInputTopic<String, byte[]> req = driver.createInputTopic(config.topics().requests(), new StringSerializer(), new ByteArraySerializer());
                TestInputTopic<String, byte[]> rep = driver.createInputTopic(config.topics().phaseCompletions(), new StringSerializer(), new ByteArraySerializer());
                TestOutputTopic<String, byte[]> out = driver.createOutputTopic(config.topics().completions(), new StringDeserializer(), new ByteArrayDeserializer());
                long cpu0 = threads.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                for (int i = 0; i < requestBytes.size(); i++) {
                    req.pipeInput(requestKeys.get(i), requestBytes.get(i));
                }
                for (int i = 0; i < started.size(); i++) {
                    rep.pipeInput(reportKeys.get(i), started.get(i));
                }
                for (int i = 0; i < results.size(); i++) {
                    rep.pipeInput(reportKeys.get(i), results.get(i));
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                long wall = System.nanoTime() - wall0;
                long emitted = out.getQueueSize();
                System.err.printf(Locale.ROOT, "round %d: %d records, %d emitted, %.1f µs CPU/record, %.1f µs wall/record%n",
                        round, records, emitted, cpu / 1e3 / records, wall / 1e3 / records);
                if (emitted != n) {
                    throw new IllegalStateException("expected " + n + " records, got " + emitted);
                }
            }
        }
    }
}
