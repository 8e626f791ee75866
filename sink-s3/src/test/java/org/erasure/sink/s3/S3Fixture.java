package org.erasure.sink.s3;

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
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.testkit.LogScan;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/** A seeded per-test versioned bucket on the shared s3proxy and helpers to look at it. */
final class S3Fixture implements AutoCloseable {
    static final String CONTRIBUTORS = "contributors/{contributorId}/";
    static final String UPLOADS = "uploads/{contributorId}/";

    final S3Server server;
    final String bucket;
    final SampleWorld world;
    final S3Client client;

    private S3Fixture(S3Server server, String bucket, SampleWorld world) {
        this.server = server;
        this.bucket = bucket;
        this.world = world;
        this.client = server.newClient();
    }

    static S3Fixture seed(S3Server server, TestNames names, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String bucket = SeedNames.unique(names).s3Bucket();
        S3Fixture f = new S3Fixture(server, bucket, world);
        S3Seeder.seed(f.client, bucket, world);
        world.contributors().forEach(x -> LogScan.SEEDED_EMAILS.add(x.email()));
        return f;
    }

    String target(String template) {
        return bucket + "/" + template;
    }

    /** s3 { } config for this bucket (reference templates), endpoint overridable. */
    Config storeConfig(String endpoint, String extra) {
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

    static ErasureItem item(SampleWorld.Contributor c, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), Long.toString(c.id()), Identifiers.of(List.of(c.email()), List.of(c.workerId())), mode);
    }

    static ErasureItem item(String contributorId, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), contributorId, Identifiers.of(List.of(), List.of()), mode);
    }

    static ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId())).requestedBy("sink-test")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(Phase.S3, Phase.REDIS).build();
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
}
