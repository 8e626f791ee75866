package org.erasure.e2e.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import java.time.Duration;
import org.erasure.devstack.seed.KafkaSeeder;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * Everything a test world holds in the six stores, as items: a PostgreSQL or ClickHouse row, one
 * worker element of an Elasticsearch document (and the rest of the document), an S3 object version
 * or delete marker, a Redis key with its value (a set: one item per member), the latest value of a
 * key of the compacted Kafka profile topic (a tombstone removes the item). Each item knows the
 * identifiers it carries ({@code id:<contributor or worker id>}, {@code email:<lower-cased>}), so a
 * before/after comparison can tell whose data changed, and whether what is left of a person is an
 * allowed residue (a row masked with {@code DELETED_USER}: it keeps the id, not the PII).
 */
final class StoreSnapshot {

    static final String MASK = "DELETED_USER";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes maps with sorted keys: a document rewritten with its fields in another order is the same document. */
    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final Pattern ID_TOKEN = Pattern.compile("(?<![0-9])[0-9]{6,}(?![0-9])");
    private static final Pattern EMAIL_TOKEN = Pattern.compile("[^\\s\"',;:<>()\\[\\]{}]+@[^\\s\"',;:<>()\\[\\]{}]+");

    /**
     * @param identifiers    {@code id:...} and {@code email:...} values the item carries
     * @param maskedResidue  the item is a masked row: it may keep the person's id (reports need the row)
     */
    record Item(String key, String content, Set<String> identifiers, boolean maskedResidue) {}

    private final Map<String, Item> items;

    private StoreSnapshot(Map<String, Item> items) {
        this.items = items;
    }

    Map<String, Item> items() {
        return items;
    }

    static String id(String id) {
        return "id:" + id;
    }

    static String email(String email) {
        return "email:" + email.strip().toLowerCase(Locale.ROOT);
    }

    /** Every store of the world seeded under {@code names} (Redis: the whole keyspace). */
    static StoreSnapshot take(DevStack stack, SeedNames names) throws Exception {
        Map<String, Item> items = new TreeMap<>();
        postgres(stack, names, items);
        clickhouse(stack, names, items);
        elasticsearch(stack, names, items);
        s3(stack, names, items);
        redis(stack, items);
        kafka(stack, names, items);
        return new StoreSnapshot(items);
    }

    /** What changed between two snapshots: item keys with different content, present in only one, or both. */
    static List<String> changedKeys(StoreSnapshot before, StoreSnapshot after) {
        Set<String> keys = new TreeSet<>(before.items.keySet());
        keys.addAll(after.items.keySet());
        List<String> changed = new ArrayList<>();
        for (String k : keys) {
            Item b = before.items.get(k);
            Item a = after.items.get(k);
            if (b == null || a == null || !b.content().equals(a.content())) {
                changed.add(k);
            }
        }
        return changed;
    }

    // ---------------------------------------------------------------- stores

    private static void postgres(DevStack stack, SeedNames names, Map<String, Item> items) throws Exception {
        String schema = '"' + names.pgSchema() + '"';
        try (Connection c = stack.postgres().newConnection(); Statement s = c.createStatement()) {
            for (String table : List.of(SampleWorld.PG_CONTRIBUTORS, SampleWorld.PG_JOB_MAPPING, SampleWorld.PG_PROJECT_STATS)) {
                try (ResultSet rs = s.executeQuery("SELECT to_jsonb(t)::text FROM " + schema + "." + table + " t")) {
                    while (rs.next()) {
                        JsonNode row = JSON.readTree(rs.getString(1));
                        Set<String> ids = new LinkedHashSet<>();
                        String key;
                        boolean masked = false;
                        if (table.equals(SampleWorld.PG_CONTRIBUTORS)) {
                            ids.add(id(row.get("id").asText()));
                            addEmail(ids, row.get("email"));
                            masked = MASK.equals(row.path("email").asText()) && row.path("first_name").isNull() && row.path("last_name").isNull();
                            key = "postgres/" + table + "/" + row.get("id").asText();
                        } else {
                            ids.add(id(row.get("contributor_id").asText()));
                            key = "postgres/" + table + "/" + row;
                        }
                        items.put(key, new Item(key, row.toString(), ids, masked));
                    }
                }
            }
        }
    }

    private static void clickhouse(DevStack stack, SeedNames names, Map<String, Item> items) throws Exception {
        String db = "`" + names.chDatabase() + "`";
        for (String table : List.of(SampleWorld.CH_UNIT_METRICS, SampleWorld.CH_UNIT_METRICS_HOURLY, SampleWorld.CH_ACCRUED_STATS)) {
            String rows = stack.clickhouse().query("SELECT * FROM " + db + ".`" + table + "` FORMAT JSONEachRow");
            Map<String, Integer> seen = new HashMap<>();
            for (String line : rows.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                ObjectNode row = (ObjectNode) JSON.readTree(line);
                Set<String> ids = new LinkedHashSet<>();
                ids.add(id(row.get("contributor_id").asText()));
                addEmail(ids, row.get("email"));
                ObjectNode withoutPii = row.deepCopy();
                withoutPii.remove("email");
                // Rows have no key: the row without its PII column names it (a counter separates equal rows).
                String base = "clickhouse/" + table + "/" + withoutPii;
                int n = seen.merge(base, 1, Integer::sum);
                String key = base + "#" + n;
                items.put(key, new Item(key, row.toString(), ids, MASK.equals(row.path("email").asText())));
            }
        }
    }

    private static void elasticsearch(DevStack stack, SeedNames names, Map<String, Item> items) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = stack.elasticsearch().httpUrl();
        String pattern = names.esIndexPrefix() + "*";
        send(http, HttpRequest.newBuilder(URI.create(base + "/" + pattern + "/_refresh")).POST(HttpRequest.BodyPublishers.noBody()));
        String body = send(http, HttpRequest.newBuilder(URI.create(base + "/" + pattern + "/_search?size=10000&seq_no_primary_term=false"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":{\"match_all\":{}}}")));
        JsonNode hits = JSON.readTree(body).path("hits").path("hits");
        for (JsonNode hit : hits) {
            String doc = "elasticsearch/" + hit.get("_index").asText() + "/" + hit.get("_id").asText();
            ObjectNode source = (ObjectNode) hit.get("_source").deepCopy();
            JsonNode latest = source.remove("latest");
            JsonNode judgments = source.remove("judgments");
            if (latest != null) {
                putWorker(items, doc + "/latest", latest);
            }
            if (judgments != null) {
                for (int k = 0; k < judgments.size(); k++) {
                    putWorker(items, doc + "/judgments[" + k + "]", judgments.get(k));
                }
            }
            items.put(doc + "/rest", new Item(doc + "/rest", canonical(source), Set.of(), false));
        }
    }

    private static void putWorker(Map<String, Item> items, String key, JsonNode element) {
        Set<String> ids = new LinkedHashSet<>();
        String worker = element.path("workerId").asText("");
        if (!worker.isEmpty() && !worker.equals(MASK)) {
            ids.add(id(worker));
        }
        addEmail(ids, element.get("workerEmail"));
        items.put(key, new Item(key, canonical(element), ids, false));
    }

    private static String canonical(JsonNode node) {
        try {
            return CANONICAL.writeValueAsString(CANONICAL.treeToValue(node, Object.class));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void s3(DevStack stack, SeedNames names, Map<String, Item> items) {
        try (S3Client s3 = stack.s3().newClient()) {
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(l -> l.bucket(names.s3Bucket()))) {
                for (ObjectVersion v : page.versions()) {
                    String key = "s3/" + v.key() + "@" + v.versionId();
                    items.put(key, new Item(key, v.eTag() + " " + v.size() + " latest=" + v.isLatest(), tokens(v.key()), false));
                }
                for (DeleteMarkerEntry m : page.deleteMarkers()) {
                    String key = "s3/" + m.key() + "@" + m.versionId() + " (delete marker)";
                    items.put(key, new Item(key, "latest=" + m.isLatest(), tokens(m.key()), false));
                }
            }
        }
    }

    private static void redis(DevStack stack, Map<String, Item> items) {
        RedissonClient redis = stack.redis().newRedissonClient();
        try {
            for (String key : redis.getKeys().getKeys()) {
                RType type = redis.getKeys().getType(key);
                if (type == RType.SET) {
                    for (Object member : redis.getSet(key, StringCodec.INSTANCE).readAll()) {
                        String k = "redis/" + key + " ∋ " + member;
                        items.put(k, new Item(k, "member", tokens(member.toString()), false));
                    }
                    continue;
                }
                String value = switch (type) {
                    case OBJECT -> String.valueOf(redis.getBucket(key, StringCodec.INSTANCE).get());
                    case MAP -> new TreeMap<>(redis.getMap(key, StringCodec.INSTANCE).readAllMap()).toString();
                    case LIST -> redis.getList(key, StringCodec.INSTANCE).readAll().toString();
                    case ZSET -> redis.getScoredSortedSet(key, StringCodec.INSTANCE).readAll().toString();
                    default -> type.toString();
                };
                Set<String> ids = tokens(key);
                ids.addAll(tokens(value));
                items.put("redis/" + key, new Item("redis/" + key, type + " " + value, ids, false));
            }
        } finally {
            redis.shutdown();
        }
    }

    private static void kafka(DevStack stack, SeedNames names, Map<String, Item> items) {
        String topic = KafkaSeeder.profilesTopic(names);
        Duration timeout = Duration.ofSeconds(60);
        Map<String, String> latest = TopicReader.latest(stack.kafka(), topic, timeout);
        latest.forEach((key, value) -> {
            Set<String> ids = tokens(key);
            ids.addAll(tokens(value));
            items.put("kafka/" + topic + "/" + key, new Item("kafka/" + topic + "/" + key, value, ids, false));
        });
    }

    // ---------------------------------------------------------------- helpers

    private static void addEmail(Set<String> ids, JsonNode email) {
        if (email != null && email.isTextual() && !email.asText().isEmpty() && !email.asText().equals(MASK)) {
            ids.add(email(email.asText()));
        }
    }

    /** Ids (digit runs) and emails found in free text (S3 keys, Redis keys and values). */
    private static Set<String> tokens(String text) {
        Set<String> ids = new LinkedHashSet<>();
        Matcher m = ID_TOKEN.matcher(text);
        while (m.find()) {
            ids.add(id(m.group()));
        }
        Matcher e = EMAIL_TOKEN.matcher(text);
        while (e.find()) {
            ids.add(email(e.group()));
        }
        return ids;
    }

    private static String send(HttpClient http, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("Elasticsearch answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
