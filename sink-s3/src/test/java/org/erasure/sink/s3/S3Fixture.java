package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.S3Seeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.testkit.StoreFixture;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/** A seeded per-test versioned bucket on the shared s3proxy and helpers to look at it. */
final class S3Fixture extends StoreFixture {
    static final String CONTRIBUTORS = "contributors/{contributorId}/";
    static final String UPLOADS = "uploads/{contributorId}/";

    final S3Server server;
    final String bucket;
    final S3Client client;

    private S3Fixture(S3Server server, String bucket, SampleWorld world) {
        super(world, S3StoreModule::new, "sink-s3");
        this.server = server;
        this.bucket = bucket;
        this.client = server.newClient();
    }

    static S3Fixture seed(S3Server server, TestNames names, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String bucket = SeedNames.unique(names).s3Bucket();
        S3Fixture f = new S3Fixture(server, bucket, world);
        S3Seeder.seed(f.client, bucket, world);
        return f;
    }

    String target(String template) {
        return bucket + "/" + template;
    }

    /** s3 { } config for this bucket (reference templates), endpoint overridable. */
    @Override
    public Config storeConfig(String endpoint, String extra) {
        return ConfigFactory.parseString("""
                endpoint = "%s"
                region = "%s"
                path-style = true
                access-key-id = "%s"
                secret-access-key = "%s"
                connection-timeout = 1s
                socket-timeout = 5s
                api-call-timeout = 10s
                targets = [ { bucket = "%s", prefixes = ["%s", "%s"] } ]
                %s
                """.formatted(endpoint, S3Server.REGION, S3Server.ACCESS_KEY, S3Server.SECRET_KEY, bucket, CONTRIBUTORS, UPLOADS, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("s3")).resolve();
    }

    S3ErasureStore store() {
        return store("");
    }

    S3ErasureStore store(String extra) {
        return (S3ErasureStore) new S3StoreModule().create(storeConfig(server.endpoint().toString(), extra), new SimpleMeterRegistry());
    }

    static ErasureItem item(String contributorId, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), contributorId, Identifiers.of(List.of(), List.of()), mode);
    }

    /** Versions + delete markers under a literal prefix (all pages). */
    long entriesUnder(String prefix) {
        long n = 0;
        for (ListObjectVersionsResponse page : client.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(prefix))) {
            n += page.versions().size() + page.deleteMarkers().size();
        }
        return n;
    }

    long entriesOf(SampleWorld.Contributor c) {
        return entriesUnder("contributors/" + c.id() + "/") + entriesUnder("uploads/" + c.id() + "/");
    }

    /** What the world seeded for contributor {@code index}: object versions over both prefixes. */
    long seededEntries(int index) {
        return world.s3ObjectsOf(index).stream().mapToInt(SampleWorld.S3Object::versions).sum();
    }

    long totalEntries() {
        return entriesUnder("");
    }

    /** Every version and delete marker of the bucket (key, version id, kind), sorted: equal digests, nothing changed. */
    String digest() {
        TreeMap<String, String> all = new TreeMap<>();
        for (ListObjectVersionsResponse page : client.listObjectVersionsPaginator(r -> r.bucket(bucket))) {
            for (ObjectVersion v : page.versions()) {
                all.put(v.key() + "|" + v.versionId(), "v");
            }
            for (DeleteMarkerEntry m : page.deleteMarkers()) {
                all.put(m.key() + "|" + m.versionId(), "m");
            }
        }
        return all.toString();
    }

    void put(String key, String body) {
        client.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }

    /** Objects of an arbitrary id under both prefixes (two versions of the profile). */
    void seedId(String id) {
        put("contributors/" + id + "/profile.json", "v1");
        put("contributors/" + id + "/profile.json", "v2");
        put("uploads/" + id + "/judgments.csv", "x");
    }

    List<String> keysUnder(String prefix) {
        List<String> keys = new ArrayList<>();
        for (ListObjectVersionsResponse page : client.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(prefix))) {
            page.versions().forEach(v -> keys.add(v.key()));
            page.deleteMarkers().forEach(m -> keys.add(m.key()));
        }
        return keys;
    }

    @Override
    public void close() {
        client.close();
    }

    // --- StoreFixture: what the shared sink scenarios (SinkContract) need ---

    @Override
    public String endpoint() {
        return server.endpoint().toString();
    }

    @Override
    public int storePort() {
        return server.endpoint().getPort();
    }

    @Override
    public String endpointVia(int proxyPort) {
        return "http://127.0.0.1:" + proxyPort;
    }

    /** Contributors whose objects are gone (each had exactly one uploads/ object). */
    @Override
    public long erasedAmongFirst(int n) {
        return world.size() - entriesUnder("uploads/");
    }

    @Override
    public void assertErased(int index) {
        assertThat(entriesOf(world.contributor(index))).isZero();
    }

    @Override
    public void assertIntact(int index) {
        assertThat(entriesOf(world.contributor(index))).isEqualTo(seededEntries(index));
    }

    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.totalDeleted();
    }

    @Override
    public long seededWork(int n) {
        return java.util.stream.IntStream.range(0, n).mapToLong(this::seededEntries).sum();
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(target(CONTRIBUTORS), target(UPLOADS));
        assertThat(pc.targets().get(0).deleted()).isEqualTo(index % 5 == 0 ? 2 : 1);
        assertThat(pc.targets().get(1).deleted()).isEqualTo(1);
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets().get(0).wouldDelete()).isEqualTo(index % 5 == 0 ? 2 : 1);
        assertThat(pc.targets().get(1).wouldDelete()).isEqualTo(1);
    }

    /** An id that would widen the prefix to another contributor's objects. */
    @Override
    public List<ContributorErasureRequested> extraRequests() {
        return List.of(request(world.contributor(31), Mode.EXECUTE).toBuilder()
                .contributorId(world.contributor(31).id() + "/../" + world.contributor(32).id()).build());
    }

    @Override
    public void afterBatch(BatchOutcome outcome) {
        PhaseCompleted rejected = outcome.completions().get(outcome.extra().getFirst().requestId()).getFirst();
        assertThat(rejected.status()).isEqualTo(PhaseStatus.FAILED);
        assertThat(rejected.error().code()).isEqualTo(S3ErasureStore.UNSAFE_ID);
        assertIntact(31);
        assertIntact(32);
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("erasure_s3_calls_total", "erasure_s3_delete_errors_total");
    }

    @Override
    public java.time.Duration warmLoneRequestWithin() {
        return java.time.Duration.ofSeconds(3);
    }
}
