package org.erasure.e2e.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.ManagedServer;
import org.erasure.devstack.cli.DevStackCommand;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.ErasureTraffic;
import org.erasure.e2e.PipelineConfig;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.SinkKind;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.TargetResult;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.chain.ChainAuditor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on the embedded default: every real server, seeded; every sink and the verifier as
 * its own process; the inactive contributors fetched from PostgreSQL and erased through Kafka; then
 * the summary the old script printed, from the verifier's final records, and the audit of their chain.
 */
@Command(name = "pipeline-demo", mixinStandardHelpOptions = true,
        description = "Runs the erasure pipeline end to end on the embedded dev-stack and prints the per-store summary.")
public final class PipelineDemo implements Callable<Integer> {

    @Option(names = "--contributors", defaultValue = "1000", description = "Contributors in the seeded world (default: ${DEFAULT-VALUE}).")
    int contributors;

    @Option(names = "--days-inactive", defaultValue = "365", description = "Erase INACTIVE contributors idle for more than this (default: ${DEFAULT-VALUE}).")
    int daysInactive;

    @Option(names = "--max-contributors", defaultValue = "100", description = "At most this many, least recently active first (default: ${DEFAULT-VALUE}).")
    int maxContributors;

    @Option(names = "--dry-run", description = "Report what would be erased; change nothing.")
    boolean dryRun;

    @Option(names = "--stay-up", description = "Keep the stack and the services running after the report, until Ctrl-C.")
    boolean stayUp;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Give up waiting for final records after (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", DevStackCommand.LOGBACK_CONFIG);
        }
        System.exit(new CommandLine(new PipelineDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long begin = System.nanoTime();
        DevStack stack = DevStack.shared();
        stack.startAll(List.of(DevStack.Service.values()));
        SampleWorld world = SampleWorld.ofSize(contributors);
        WorldSeeder.seed(stack, world, SeedNames.defaults(), List.of(DevStack.Service.values()));
        say("dev-stack up and %d contributors seeded in %d s", contributors, (System.nanoTime() - begin) / 1_000_000_000);

        Topics topics = Topics.DEFAULT;
        Path dir = stack.workDir().resolve("services");
        List<ServiceProcess> services = new ArrayList<>();
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, 3)) {
            stack.kafka().createTopics(3, List.of(topics.completions()));
            services.add(startVerifier(stack, dir));
            for (SinkKind kind : SinkKind.values()) {
                services.add(ServiceProcess.start("sink-" + kind.id(), kind.jar(),
                        PipelineConfig.sinkHocon(stack.kafka(), "", kind, "demo", 500) + kind.storeHocon(stack, SeedNames.defaults()),
                        dir, List.of()));
            }
            say("services started: verifier, %s (logs in %s)", String.join(", ", SinkKind.ids()), dir);

            List<SampleWorld.Contributor> inactive = fetchInactive(stack, world);
            say("%d INACTIVE contributors idle for more than %d days: erasing them (%s)", inactive.size(), daysInactive,
                    dryRun ? "DRY RUN" : "EXECUTE");
            List<Phase> phases = List.of(SinkKind.values()).stream().map(SinkKind::phase).toList();
            List<ContributorErasureRequested> requests = inactive.stream()
                    .map(c -> ErasureTraffic.request(c, dryRun ? Mode.DRY_RUN : Mode.EXECUTE, phases)).toList();
            traffic.publish(requests);

            Map<UUID, ErasureCompleted> finals = awaitFinalRecords(stack, topics, requests, services);
            printSummary(finals, requests.size());
            ChainAuditor.Report audit = ChainAuditor.audit(stack.kafka().clientConfig(), topics.completions(), Duration.ofSeconds(30));
            say("audit of %s: %s", topics.completions(), audit.summary());
            say("done in %d s", (System.nanoTime() - begin) / 1_000_000_000);
            if (stayUp) {
                printEndpoints(stack);
                new CountDownLatch(1).await();
            }
            boolean allGood = finals.size() == requests.size()
                    && finals.values().stream().allMatch(f -> f.outcome() == Outcome.COMPLETED || f.outcome() == Outcome.DRY_RUN)
                    && audit.ok();
            return allGood ? 0 : 4;
        } finally {
            services.forEach(ServiceProcess::close);
            stack.close();
        }
    }

    private ServiceProcess startVerifier(DevStack stack, Path dir) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path stateDir = Files.createDirectories(dir.resolve("verifier-state"));
        String hocon = """
                verifier {
                  bootstrap-servers = "%s"
                  partitions = 3
                  state-dir = "%s"
                  digest-key = "hex:%s"
                  timeouts.punctuation-interval = 2s
                  http { port = %d, advertised-host = "127.0.0.1" }
                }
                """.formatted(stack.kafka().bootstrapServers(), stateDir, HexFormat.of().formatHex(key), FreePort.find());
        return ServiceProcess.start("verifier", ProjectLayout.jar("verifier", "verifier.jar"), hocon, dir, List.of());
    }

    /** The old script's input: INACTIVE contributors idle for more than N days, least recently active first. */
    private List<SampleWorld.Contributor> fetchInactive(DevStack stack, SampleWorld world) throws Exception {
        List<SampleWorld.Contributor> out = new ArrayList<>();
        try (Connection c = stack.postgres().newConnection();
             PreparedStatement s = c.prepareStatement("SELECT id FROM " + SampleWorld.PG_CONTRIBUTORS
                     + " WHERE status = 'INACTIVE' AND last_activity_at < ? AND erased_at IS NULL ORDER BY last_activity_at LIMIT ?")) {
            s.setObject(1, java.sql.Timestamp.from(Instant.now().minus(Duration.ofDays(daysInactive))));
            s.setInt(2, maxContributors);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(world.contributor((int) (rs.getLong(1) - world.firstId())));
                }
            }
        }
        return out;
    }

    private Map<UUID, ErasureCompleted> awaitFinalRecords(DevStack stack, Topics topics, List<ContributorErasureRequested> requests,
                                                          List<ServiceProcess> services) {
        Map<String, Object> config = stack.kafka().clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<UUID, ErasureCompleted> finals = new LinkedHashMap<>();
        java.util.Set<UUID> wanted = new java.util.HashSet<>(requests.stream().map(ContributorErasureRequested::requestId).toList());
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.completions()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (finals.size() < wanted.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    ErasureCompleted record = EventJson.read(r.value(), ErasureCompleted.class);
                    if (wanted.contains(record.requestId())) {
                        finals.put(record.requestId(), record);
                    }
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    lastReport = System.nanoTime();
                    say("final records: %d / %d", finals.size(), wanted.size());
                    services.stream().filter(s -> !s.isAlive()).forEach(s -> say("%s exited:%n%s", s.name(), s.output()));
                }
            }
        }
        return finals;
    }

    private void printSummary(Map<UUID, ErasureCompleted> finals, int requested) {
        Map<Phase, long[]> totals = new EnumMap<>(Phase.class); // deleted, masked, wouldDelete, wouldMask
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (ErasureCompleted record : finals.values()) {
            outcomes.merge(record.outcome(), 1, Integer::sum);
            for (Map.Entry<Phase, PhaseResult> phase : record.phases().entrySet()) {
                long[] t = totals.computeIfAbsent(phase.getKey(), k -> new long[4]);
                for (TargetResult target : phase.getValue().targets()) {
                    t[0] += target.deleted();
                    t[1] += target.masked();
                    t[2] += target.wouldDelete();
                    t[3] += target.wouldMask();
                }
            }
        }
        System.out.println();
        int d = dryRun ? 2 : 0;
        String would = dryRun ? " (would be)" : "";
        line("PostgreSQL records deleted" + would, totals, Phase.POSTGRES, d);
        line("PostgreSQL records masked" + would, totals, Phase.POSTGRES, d + 1);
        line("Elasticsearch documents masked" + would, totals, Phase.ELASTICSEARCH, d + 1);
        line("ClickHouse records masked" + would, totals, Phase.CLICKHOUSE, d + 1);
        line("S3 files deleted" + would, totals, Phase.S3, d);
        line("Redis sessions cleared" + would, totals, Phase.REDIS, d);
        System.out.printf("Final records: %d of %d requests: %s%n%n", finals.size(), requested, outcomes);
    }

    private static void line(String label, Map<Phase, long[]> totals, Phase phase, int index) {
        long[] t = totals.get(phase);
        System.out.printf(Locale.ROOT, "%s: %s%n", label, t == null ? "not run" : Long.toString(t[index]));
    }

    private static void printEndpoints(DevStack stack) {
        for (ManagedServer server : stack.running()) {
            System.out.printf("  %-14s %s %s%n", server.name(), server.version(), server.endpoints());
        }
        System.out.println("Press Ctrl-C to stop.");
    }

    private static void say(String format, Object... args) {
        System.out.printf(format + "%n", args);
        System.out.flush();
    }
}
