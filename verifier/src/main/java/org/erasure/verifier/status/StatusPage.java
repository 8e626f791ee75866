package org.erasure.verifier.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.http.StatusServer;

/**
 * The live status page: {@code GET /status} (a static page that polls), {@code GET /status/data}
 * (everything it shows, as JSON), {@code GET /status/in-flight} (this instance's pending requests,
 * asked by its peers) and an index at {@code /}.
 *
 * <p>Sources: requests in flight from every instance's {@code pending} and {@code erasures} stores
 * (interactive queries; peers are asked over HTTP at their {@code application.server}, as the status
 * API proxies); final records and dead letters from a tail of the topics ({@link CompletionsTail});
 * sink lag from the consumer groups' offsets ({@link SinkLag}). No identifier other than requestId
 * and contributorId is in any of these views: the state holds only a digest, which is left out too.
 */
public final class StatusPage implements AutoCloseable {
    private static final ObjectMapper JSON = EventJson.newMapper();
    /** Several open pages cost one computation per this interval. */
    private static final Duration CACHE_FOR = Duration.ofMillis(900);

    private final VerifierConfig verifier;
    private final StatusPageConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile KafkaStreams streams;
    private volatile HostInfo self;
    private Admin admin;
    private CompletionsTail tail;
    private SinkLag lag;
    private View cached;
    private long cachedAt;
    private boolean closed;

    public StatusPage(VerifierConfig verifier, StatusPageConfig config) {
        this.verifier = verifier;
        this.config = config;
    }

    /** The routes, on the verifier's HTTP server (before it starts). */
    public void register(Javalin app) {
        app.get("/", ctx -> page(ctx, "status/index.html"));
        app.get("/status", ctx -> page(ctx, "status/status.html"));
        app.get("/status/data", ctx -> json(ctx, data()));
        app.get("/status/in-flight", ctx -> json(ctx, localInFlight()));
    }

    public void attach(KafkaStreams kafkaStreams, HostInfo advertised) {
        this.self = advertised;
        this.streams = kafkaStreams;
    }

    // ------------------------------------------------------------------ the view

    /** Everything the page shows. */
    public record View(Instant generatedAt, String servedBy, List<Instance> instances, boolean allInstancesAnswered,
                       InFlightView inFlight, List<SinkView> sinks, String lagError,
                       List<CompletionsTail.DeadLetterCount> deadLetters, RecordsView records) {}

    /** A verifier instance of this application (from Kafka Streams' metadata). */
    public record Instance(String address, boolean self, boolean answered, long inFlight, String error) {}

    /** Pending requests of every instance that answered: their count, and the earliest due first. */
    public record InFlightView(long total, List<InFlight.Request> requests) {}

    /**
     * @param failedInRecords  final records (every revision) in which this phase FAILED
     * @param missingInRecords final records in which this phase never reported (TIMED_OUT)
     */
    public record SinkView(Phase phase, SinkLag.Lane interactive, SinkLag.Lane bulk, long failedInRecords, long missingInRecords) {}

    /**
     * @param historyRead whether the topic was read up to where it ended when the page first asked
     * @param read        records read (every revision)
     * @param latest      TIMED_OUT ones first, then the latest, newest first
     */
    public record RecordsView(String topic, boolean historyRead, long read, Map<Outcome, Long> byOutcome, long unreadable,
                              List<FinalRecords.Summary> latest) {}

    synchronized View data() {
        if (cached != null && System.nanoTime() - cachedAt < CACHE_FOR.toNanos()) {
            return cached;
        }
        ensureSources();
        Topics topics = verifier.topics();
        List<Instance> instances = new ArrayList<>();
        List<InFlight> answers = inFlightOfAll(instances);
        List<InFlight.Request> requests = new ArrayList<>();
        long total = 0;
        for (InFlight a : answers) {
            total += a.total();
            requests.addAll(a.requests());
        }
        requests.sort(Comparator.comparing(InFlight.Request::dueAt).thenComparing(r -> r.requestId().toString()));
        if (requests.size() > config.inFlightLimit()) {
            requests = new ArrayList<>(requests.subList(0, config.inFlightLimit()));
        }

        CompletionsTail.Snapshot snapshot = tail.snapshot();
        SinkLag.Report lagReport = lag.read();
        List<SinkView> sinks = new ArrayList<>();
        for (Phase p : Phase.values()) {
            SinkLag.Sink s = lagReport.sinks().stream().filter(x -> x.phase() == p).findFirst().orElse(null);
            sinks.add(new SinkView(p, s == null ? null : s.interactive(), s == null ? null : s.bulk(),
                    snapshot.counts().failedByPhase().getOrDefault(p, 0L), snapshot.counts().missingByPhase().getOrDefault(p, 0L)));
        }
        View view = new View(Instant.now(), address(self), instances, instances.stream().allMatch(Instance::answered),
                new InFlightView(total, requests), sinks, lagReport.error(), snapshot.deadLetters(),
                new RecordsView(topics.completions(), snapshot.caughtUp(), snapshot.counts().records(), snapshot.counts().byOutcome(),
                        snapshot.unreadable(), snapshot.latest()));
        cached = view;
        cachedAt = System.nanoTime();
        return view;
    }

    private InFlight localInFlight() {
        return InFlight.local(streams, address(self), config.inFlightLimit());
    }

    /** This instance's pending requests and every peer's, asked in parallel; fills {@code instances}. */
    private List<InFlight> inFlightOfAll(List<Instance> instances) {
        KafkaStreams ks = streams;
        List<HostInfo> peers = new ArrayList<>();
        if (ks != null && ks.state().isRunningOrRebalancing()) {
            for (StreamsMetadata m : ks.metadataForAllStreamsClients()) {
                if (!m.hostInfo().equals(self)) {
                    peers.add(m.hostInfo());
                }
            }
        }
        peers.sort(Comparator.comparing(HostInfo::host).thenComparing(HostInfo::port));
        List<CompletableFuture<InFlight>> asked = peers.stream().map(this::askPeer).toList();
        List<InFlight> answers = new ArrayList<>();
        InFlight mine = localInFlight();
        answers.add(mine);
        instances.add(new Instance(mine.instance(), true, mine.error() == null, mine.total(), mine.error()));
        for (CompletableFuture<InFlight> f : asked) {
            InFlight a = f.join();
            answers.add(a);
            instances.add(new Instance(a.instance(), false, a.error() == null, a.total(), a.error()));
        }
        return answers;
    }

    private CompletableFuture<InFlight> askPeer(HostInfo peer) {
        String address = address(peer);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/status/in-flight"))
                .header(StatusServer.FORWARDED_HEADER, address(self))
                .timeout(Duration.ofSeconds(3)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                return InFlight.unavailable(address, "did not answer");
            }
            if (response.statusCode() != 200) {
                return InFlight.unavailable(address, "answered HTTP " + response.statusCode());
            }
            try {
                return JSON.readValue(response.body(), InFlight.class);
            } catch (IOException e) {
                return InFlight.unavailable(address, "unreadable answer");
            }
        });
    }

    /** Admin client and topic tail, started when the page is first asked for: no cost until someone looks. */
    private void ensureSources() {
        if (admin != null || closed) {
            return;
        }
        Map<String, Object> client = clientConfig(verifier);
        Map<String, Object> adminConfig = new HashMap<>(client);
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "verifier-status-page-admin");
        admin = Admin.create(adminConfig);
        lag = new SinkLag(admin, verifier.topics(), config);
        Topics t = verifier.topics();
        tail = new CompletionsTail(client, admin, t.completions(),
                List.of(t.requestsDlq(), t.requestsBulkDlq(), t.phaseCompletionsDlq(), t.completionsDlq()), config.latestRecords());
        tail.start();
    }

    /** Bootstrap servers and the security settings given for Kafka Streams (the page's clients need the same access). */
    static Map<String, Object> clientConfig(VerifierConfig verifier) {
        Map<String, Object> c = new HashMap<>();
        verifier.kafkaStreams().forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                c.put(k, v);
            }
        });
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, verifier.bootstrapServers());
        return c;
    }

    private static String address(HostInfo h) {
        return h == null ? "unknown" : h.host() + ":" + h.port();
    }

    private static void page(Context ctx, String resource) throws IOException {
        try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("missing resource " + resource));
            }
            ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-store").result(in.readAllBytes());
        }
    }

    private static void json(Context ctx, Object body) throws IOException {
        ctx.contentType("application/json").header("Cache-Control", "no-store").result(JSON.writeValueAsString(body));
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (tail != null) {
            tail.close();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
