package org.erasure.devstack.seed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The seeded sample world of mission-context.md, as pure functions of one size parameter: the same
 * size and reference time always give the same data, so tests can compute exact expected counts.
 * Per contributor about 10 Elasticsearch documents, 100 ClickHouse rows, 2 S3 objects and 3 Redis keys.
 */
public final class SampleWorld {

    public static final long FIRST_ID = 1_000_000L;
    public static final String EMAIL_DOMAIN = "example.test";

    // PostgreSQL (source of truth)
    public static final String PG_CONTRIBUTORS = "kepler_crowd_contributors_t";
    public static final String PG_JOB_MAPPING = "kepler_crowd_contributor_job_mapping_t";
    public static final String PG_PROJECT_STATS = "kepler_crowd_contributors_project_stats_t";

    // Elasticsearch
    public static final String ES_INDEX_PREFIX = "project-";
    public static final int ES_WORKERS_PER_DOC = 3;

    // ClickHouse
    public static final String CH_DATABASE = "kepler";
    public static final String CH_UNIT_METRICS = "unit_metrics";
    public static final String CH_UNIT_METRICS_HOURLY = "unit_metrics_hourly";
    public static final String CH_ACCRUED_STATS = "accrued_contributor_stats";
    public static final String CH_KAFKA_QUEUE = "unit_metrics_hourly_queue";
    public static final int CH_UNIT_METRICS_ROWS = 60;
    public static final int CH_HOURLY_ROWS = 30;
    public static final int CH_ACCRUED_ROWS = 10;

    // S3
    public static final String S3_BUCKET = "kepler-contributor-files";
    public static final List<String> S3_UNRELATED_KEYS = List.of("shared/README.txt", "templates/job-template.json");

    // Redis
    public static final String REDIS_ONLINE_SET = "contributors:online";
    public static final List<String> REDIS_UNRELATED_KEYS = List.of("config:feature-flags", "cache:projects:index");

    // Kafka (topics named after the ClickHouse database: <database>.contributor-profiles, compacted, keyed by
    // contributor id; <database>.unit-metrics-hourly, the feed of the Kafka-engine table, retained)
    public static final String KAFKA_PROFILES_TOPIC_SUFFIX = ".contributor-profiles";
    public static final List<String> KAFKA_UNRELATED_KEYS = List.of("profile-schema", "profile-defaults");

    private static final String[] FIRST_NAMES = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances",
            "Ken", "Margaret", "Niklaus", "Radia", "Tim", "Sophie", "Linus", "Hedy", "Dennis", "Anita", "John"};
    private static final String[] LAST_NAMES = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth",
            "Allen", "Thompson", "Hamilton", "Wirth", "Perlman", "Berners-Lee", "Wilson", "Torvalds", "Lamarr",
            "Ritchie", "Borg", "Backus", "O'Brien", "Müller"};

    /**
     * The seeded last names that cannot be mistaken for anything else in a log or a topic (at least
     * six letters, not a common word): what a PII scan looks for besides the seeded email domain.
     */
    public static List<String> distinctiveLastNames() {
        return java.util.Arrays.stream(LAST_NAMES).filter(n -> n.length() >= 6)
                .filter(n -> !List.of("Wilson", "Hopper", "Turing", "Thompson", "Hamilton").contains(n)).toList();
    }

    private final int size;
    private final Instant reference;
    private final long firstId;

    /**
     * @param size      number of contributors
     * @param reference the "now" the activity dates are relative to (truncated to seconds)
     */
    public SampleWorld(int size, Instant reference) {
        this(size, reference, FIRST_ID);
    }

    /**
     * @param firstId the id of contributor 0; tests sharing one server use disjoint id ranges
     *                (and so disjoint emails, keys and S3 prefixes)
     */
    public SampleWorld(int size, Instant reference, long firstId) {
        if (size < 1) {
            throw new IllegalArgumentException("A sample world needs at least one contributor, not " + size);
        }
        this.size = size;
        this.reference = reference.truncatedTo(ChronoUnit.SECONDS);
        this.firstId = firstId;
    }

    /** A world whose dates are relative to today (UTC midnight). */
    public static SampleWorld ofSize(int size) {
        return new SampleWorld(size, Instant.now().truncatedTo(ChronoUnit.DAYS));
    }

    /** A world with its own random id range, for a test that shares servers with other tests. */
    public static SampleWorld isolated(int size) {
        long base = 2_000_000_000L + java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 9_000_000) * 1_000;
        return new SampleWorld(size, Instant.now().truncatedTo(ChronoUnit.DAYS), base);
    }

    public long firstId() {
        return firstId;
    }

    public int size() {
        return size;
    }

    public Instant reference() {
        return reference;
    }

    // ---- contributors (PostgreSQL main table) ----

    public Contributor contributor(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("contributor index " + index + " of " + size);
        }
        long id = firstId + index;
        int daysInactive = (index * 37) % 730;
        return new Contributor(index, id, email(id),
                FIRST_NAMES[index % FIRST_NAMES.length], LAST_NAMES[(index / 3) % LAST_NAMES.length],
                index % 3 == 0 ? "INACTIVE" : "ACTIVE",
                reference.minus(Duration.ofDays(daysInactive)).minus(Duration.ofHours(index % 24)),
                reference.minus(Duration.ofDays(800 + index % 365)),
                jobCount(index), projectCount(index));
    }

    public Stream<Contributor> contributors() {
        return IntStream.range(0, size).mapToObj(this::contributor);
    }

    /** The email a store knows the contributor by; ClickHouse seeding builds the same string in SQL. */
    public static String email(long id) {
        return "contributor." + id + "@" + EMAIL_DOMAIN;
    }

    public static int jobCount(int index) {
        return 1 + index % 4;
    }

    public static int projectCount(int index) {
        return index % 6;
    }

    public long jobId(int index, int j) {
        return 500_000L + (index * 7L + j) % 2_000;
    }

    public long projectId(int index, int p) {
        return 9_000L + (index + p * 11L) % 500;
    }

    public long jobMappingRows() {
        return IntStream.range(0, size).mapToLong(SampleWorld::jobCount).sum();
    }

    public long projectStatsRows() {
        return IntStream.range(0, size).mapToLong(SampleWorld::projectCount).sum();
    }

    // ---- Elasticsearch: project-<uuid> indices of unit documents ----

    public int esProjectCount() {
        return Math.max(1, Math.min(10, size / 200));
    }

    public List<String> esIndices() {
        List<String> indices = new ArrayList<>();
        for (int p = 0; p < esProjectCount(); p++) {
            indices.add(ES_INDEX_PREFIX + UUID.nameUUIDFromBytes(("sample-project-" + p).getBytes(StandardCharsets.UTF_8)));
        }
        return indices;
    }

    /** About ten documents per contributor: each document has three workers. */
    public int esDocumentCount() {
        return (int) Math.ceil(size * 10.0 / ES_WORKERS_PER_DOC);
    }

    /**
     * Document {@code d}: three consecutive contributors judged it, the last one is {@code latest}.
     * Neighbours share documents, so erasing one must leave the others' entries untouched.
     */
    public UnitDocument esDocument(int d) {
        List<Contributor> workers = new ArrayList<>(ES_WORKERS_PER_DOC);
        for (int k = 0; k < ES_WORKERS_PER_DOC; k++) {
            workers.add(contributor((int) (((long) d * ES_WORKERS_PER_DOC + k) % size)));
        }
        String index = esIndices().get(d % esProjectCount());
        return new UnitDocument(index, "unit-" + d, 70_000_000L + d, workers,
                reference.minus(Duration.ofMinutes(d % 100_000)));
    }

    /** Documents in which contributor {@code index} appears (latest or judgment). */
    public long esDocumentsOf(int index) {
        return IntStream.range(0, esDocumentCount())
                .filter(d -> esDocument(d).workers().stream().anyMatch(c -> c.index() == index))
                .count();
    }

    // ---- ClickHouse ----

    public long clickHouseRowsPerContributor() {
        return CH_UNIT_METRICS_ROWS + CH_HOURLY_ROWS + CH_ACCRUED_ROWS;
    }

    // ---- S3: a versioned bucket ----

    /** Objects of contributor {@code index}: a profile (two versions for every fifth) and one upload. */
    public List<S3Object> s3ObjectsOf(int index) {
        long id = firstId + index;
        return List.of(
                new S3Object("contributors/" + id + "/profile.json", index % 5 == 0 ? 2 : 1),
                new S3Object("uploads/" + id + "/judgments-" + id + ".csv", 1));
    }

    public long s3ObjectCount() {
        return 2L * size;
    }

    public long s3VersionCount() {
        return IntStream.range(0, size).mapToLong(i -> s3ObjectsOf(i).stream().mapToInt(S3Object::versions).sum()).sum();
    }

    // ---- Redis ----

    /** Session, authentication cache and job-assignment cache of contributor {@code index}. */
    public List<String> redisKeysOf(int index) {
        long id = firstId + index;
        return List.of("session:" + id + ":" + sessionToken(index), "auth-cache:" + id, "job-assignment:" + id);
    }

    public static String sessionToken(int index) {
        return UUID.nameUUIDFromBytes(("session-" + index).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Every second contributor is online (a member of {@link #REDIS_ONLINE_SET}). */
    public boolean isOnline(int index) {
        return index % 2 == 0;
    }

    public long redisKeyCount() {
        return 3L * size;
    }

    // ---- value types ----

    public record Contributor(int index, long id, String email, String firstName, String lastName, String status,
                              Instant lastActivityAt, Instant createdAt, int jobs, int projects) {
        public String workerId() {
            return Long.toString(id);
        }
    }

    public record UnitDocument(String index, String id, long unitId, List<Contributor> workers, Instant updatedAt) {
        public Contributor latest() {
            return workers.getLast();
        }
    }

    public record S3Object(String key, int versions) {}
}
