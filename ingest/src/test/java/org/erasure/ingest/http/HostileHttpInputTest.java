package org.erasure.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Topics;
import org.erasure.ingest.support.TestIngest;
import org.erasure.ingest.support.TopicContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input through the HTTP entry points, {@code POST /v1/erasures} (JSON) and
 * {@code POST /v1/erasures/csv}, against the real broker and PostgreSQL. Table-driven: each case is a
 * name, an entry point, a payload and the expected answer:
 * <ul>
 *   <li>{@link Rejected}: the HTTP status and every error message, each naming the item and field or
 *       the line and column; the answer never echoes the hostile value; nothing is published;</li>
 *   <li>{@link Published}: 202, and exactly the expected requests on {@code erasure.requests}
 *       (emails compared without case: the event contract may lower-case them).</li>
 * </ul>
 * After all cases: the two request lanes hold exactly the published requests, ingest never answered 5xx and is
 * still healthy. The whole-system counterpart (raw records through every sink, store snapshots) is
 * {@code e2e/HostileInputSystemTest}.
 */
@DevStackTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileHttpInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int MAX_BODY = 64 * 1024;
    private static final int MAX_ITEMS = 50;
    private static final String CSV_QUERY = "?mode=EXECUTE&reason=INACTIVITY_PURGE";
    private static final String UNKNOWN_ID = "999999999999";

    private static IngestApp app;
    private static Topics topics;
    private static String bootstrap;
    private static SampleWorld world;
    private static String base;

    enum Entry { JSON, CSV }

    /** What ingest must answer. */
    sealed interface Expected permits Rejected, Published {}

    /**
     * @param status   HTTP status
     * @param messages for 400: every {@code errors[].message}, in order; otherwise: text the {@code error} contains
     */
    record Rejected(int status, List<String> messages) implements Expected {}

    /** 202 with one PUBLISHED request per subject, each on the topic exactly once. */
    record Published(List<Subject> subjects) implements Expected {}

    /**
     * @param emails    the emails the event must carry, compared without case (none other)
     * @param workerIds the worker ids it must carry, or null when the resolved ones are not checked
     */
    record Subject(String contributorId, Set<String> emails, Set<String> workerIds) {}

    /**
     * @param chunked    send without Content-Length
     * @param mustNotEcho values the answer must not contain (the hostile parts of the payload)
     */
    record Case(String name, Entry entry, String query, byte[] body, boolean chunked, Expected expected, List<String> mustNotEcho) {
        @Override
        public String toString() {
            return entry + ": " + name;
        }
    }

    @BeforeAll
    static void start(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        TestIngest.World seeded = TestIngest.seededWorld(kafka, postgres, names, 40);
        world = seeded.world();
        String schema = seeded.schema();
        topics = seeded.topics();
        bootstrap = kafka.bootstrapServers();
        Map<String, Object> config = TestIngest.baseConfig(bootstrap, topics.prefix(), postgres.jdbcUrl(), schema, "http://127.0.0.1:9");
        config.put("ingest.http.max-body-bytes", MAX_BODY);
        config.put("ingest.intake.max-items", MAX_ITEMS);
        app = IngestApp.start(TestIngest.settings(config));
        base = "http://127.0.0.1:" + app.port();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    // ------------------------------------------------------------------ the table

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        String id0 = id(0);

        // ---- JSON: syntax
        c.add(json("malformed JSON (truncated object)", "{\"contributorId\":\"" + id0 + "\",\"reason\":\"OTHER\",\"mode\":",
                rejected("body: not valid JSON")));
        c.add(json("two concatenated objects (the second would be dropped silently)", item(id(20)) + item(id(21)),
                rejected("body: not valid JSON: more than one JSON value (send one object or one array)")));
        c.add(json("duplicate key: contributorId twice (the validated value would not be the one sent)",
                "{\"contributorId\":\"" + id(22) + "\",\"contributorId\":\"" + id(23) + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("body: not valid JSON: a field appears twice in one object")));
        c.add(json("deeply nested arrays (20,000 levels)", "[".repeat(20_000) + "]".repeat(20_000), rejected("body: not valid JSON")));
        c.add(raw(Entry.JSON, "invalid UTF-8 inside a string", "", concat(utf8("{\"contributorId\":\"" + id0 + "\",\"reason\":\"OTH"),
                new byte[] {(byte) 0xC3, (byte) 0x28}, utf8("ER\",\"mode\":\"EXECUTE\"}")), false, rejected("body: not valid JSON")));
        c.add(json("JSON null", "null", rejected("body: empty body, expected a request object or an array of them")));
        c.add(json("empty body", "", rejected("body: empty body, expected a request object or an array of them")));
        c.add(json("a bare string", "\"" + id0 + "\"", rejected("body: expected a request object or an array of them")));
        c.add(json("empty array", "[]", rejected("body: empty array")));
        c.add(json("array holding a number", "[1]", rejected("item 1: must be an object")));
        c.add(json("more items than the limit", "[" + IntStream.range(0, MAX_ITEMS + 1).mapToObj(i -> "{}").collect(Collectors.joining(",")) + "]",
                rejected("body: " + (MAX_ITEMS + 1) + " items, more than the limit of " + MAX_ITEMS)));

        // ---- JSON: wrong types, unknown fields, schemaVersion
        c.add(json("contributorId as an object", "{\"contributorId\":{\"$gt\":\"\"},\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field contributorId: must be a string")));
        c.add(json("contributorId as a fraction", "{\"contributorId\":" + id0 + ".5,\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field contributorId: must be a string")));
        c.add(json("contributorId as a boolean", "{\"contributorId\":true,\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field contributorId: must be a string")));
        c.add(json("identifiers.emails as a string", withIdentifiers(id0, "\"emails\":\"" + email(0) + "\""),
                rejected("item 1, field identifiers.emails: must be an array of strings")));
        c.add(json("identifiers.emails[0] as a number", withIdentifiers(id0, "\"emails\":[42]"),
                rejected("item 1, field identifiers.emails[0]: must be a non-empty string")));
        c.add(json("schemaVersion 2 in the request body", "{\"schemaVersion\":2,\"contributorId\":\"" + id0 + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field schemaVersion: unknown field")));
        c.add(json("unknown field whose name is markup", "{\"<script>alert(1)</script>\":1,\"contributorId\":\"" + id0 + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field (name not shown): unknown field"), "<script>"));
        c.add(json("reason in lower case", "{\"contributorId\":\"" + id0 + "\",\"reason\":\"account_closed\",\"mode\":\"EXECUTE\"}",
                rejected("item 1, field reason: must be one of [ACCOUNT_CLOSED, INACTIVITY_PURGE, USER_REQUEST, OTHER]")));
        c.add(json("systems in lower case", "{\"contributorId\":\"" + id0 + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\",\"systems\":[\"postgres\"]}",
                rejected("item 1, field systems[0]: must be a phase name ([A-Z][A-Z0-9_]{0,31}, e.g. one of " + org.erasure.events.Phase.known() + ")")));
        c.add(json("deadline that is not an instant", "{\"contributorId\":\"" + id0 + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\",\"deadline\":\"2026-13-01\"}",
                rejected("item 1, field deadline: must be an ISO-8601 UTC instant")));

        // ---- JSON: missing / empty / huge ids
        c.add(json("missing contributorId", "{\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}", rejected("item 1, field contributorId: required")));
        c.add(json("empty contributorId", item(""), rejected("item 1, field contributorId: required")));
        c.add(json("blank contributorId (spaces and a tab)", item("  \\t "), rejected("item 1, field contributorId: required")));
        c.add(json("huge contributorId (20,000 digits)", item("7".repeat(20_000)), rejected("item 1, field contributorId: not a valid contributor id")));
        c.add(json("19-digit contributorId above the bigint range", item("9999999999999999999"),
                rejected("item 1, field contributorId: not a valid contributor id")));
        c.add(json("contributorId with leading zeros", item("000" + id0), rejected("item 1, field contributorId: not a valid contributor id")));

        // ---- JSON: injection and look-alikes
        c.add(json("SQL injection in contributorId", item(id0 + "; DROP TABLE kepler_crowd_contributors_t; --"),
                rejected("item 1, field contributorId: not a valid contributor id"), "DROP TABLE"));
        c.add(json("SQL injection in an email (with spaces)", withEmails(id0, "x' OR '1'='1@example.test"),
                rejected("item 1, field identifiers.emails[0]: not a valid email"), "OR '1'"));
        c.add(json("Elasticsearch query string in an email", withEmails(id0, "workerEmail:* OR *@example.test"),
                rejected("item 1, field identifiers.emails[0]: not a valid email"), "workerEmail:*"));
        c.add(json("Redis glob in an email", withEmails(id0, "[a-z]*@example.test"),
                rejected("item 1, field identifiers.emails[0]: not a valid email"), "[a-z]*"));
        c.add(json("path traversal in an email", withEmails(id0, "../../etc/passwd@example.test"),
                rejected("item 1, field identifiers.emails[0]: not a valid email"), "etc/passwd"));
        c.add(json("fullwidth digits in contributorId (look-alike of a real id)", item(fullwidth(id0)),
                rejected("item 1, field contributorId: not a valid contributor id"), fullwidth(id0)));
        c.add(json("Cyrillic look-alikes in an email domain", withEmails(id0, "contributor." + id0 + "@\u0435\u0445ample.test"),
                rejected("item 1, field identifiers.emails[0]: not a valid email")));
        c.add(json("control character (NUL) in a worker id", withIdentifiers(id0, "\"workerIds\":[\"w\\u0000\"]"),
                rejected("item 1, field identifiers.workerIds[0]: contains a control character")));
        c.add(json("line break in a worker id (log injection)", withIdentifiers(id0, "\"workerIds\":[\"w1\\r\\nlevel=ERROR\"]"),
                rejected("item 1, field identifiers.workerIds[0]: contains a control character"), "level=ERROR"));
        c.add(json("lone surrogate in a worker id", withIdentifiers(id0, "\"workerIds\":[\"w\\ud800\"]"),
                rejected("item 1, field identifiers.workerIds[0]: is not well-formed Unicode")));
        c.add(json("too many emails on one item", withIdentifiers(id0, "\"emails\":[" + IntStream.range(0, 21)
                        .mapToObj(i -> "\"e" + i + "@example.test\"").collect(Collectors.joining(",")) + "]"),
                rejected("item 1, field identifiers.emails: more than 20 values")));
        c.add(json("one email on two items (differing only in case)", "[" + withEmails(id(24), email(24)) + ","
                        + withEmails(id(25), email(24).toUpperCase(Locale.ROOT)) + "]",
                rejected("item 2, field identifiers.emails[0]: same email as item 1"), email(24)));

        // ---- JSON: accepted, processed as intended
        c.add(json("email differing from the stored one only in letter case", withEmails(id(1), email(1).toUpperCase(Locale.ROOT)),
                published(new Subject(id(1), Set.of(email(1)), Set.of(id(1))))));
        c.add(json("email with surrounding spaces and a tab", withEmails(id(2), "  " + email(2) + "\\t"),
                published(new Subject(id(2), Set.of(email(2)), Set.of(id(2))))));
        c.add(json("two emails differing only in case on one item", withEmails(id(3), email(3), email(3).toUpperCase(Locale.ROOT)),
                published(new Subject(id(3), Set.of(email(3)), Set.of(id(3))))));
        c.add(json("quotes and SQL comment in a syntactically valid email", withEmails(id(4), "o'brien'--@example.test"),
                published(new Subject(id(4), Set.of("o'brien'--@example.test", email(4)), Set.of(id(4))))));
        c.add(json("query-string and glob characters in a syntactically valid email", withEmails(id(5), "*?@example.test"),
                published(new Subject(id(5), Set.of("*?@example.test", email(5)), Set.of(id(5))))));
        c.add(json("path traversal in a worker id (literal data)", withIdentifiers(id(6), "\"workerIds\":[\"../../etc/passwd\"]"),
                published(new Subject(id(6), Set.of(email(6)), Set.of("../../etc/passwd", id(6))))));
        c.add(raw(Entry.JSON, "UTF-8 BOM before the JSON", "", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(item(id(7)))), false,
                published(new Subject(id(7), Set.of(email(7)), Set.of(id(7))))));
        c.add(json("contributorId as a JSON integer", "{\"contributorId\":" + id(8) + ",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}",
                published(new Subject(id(8), Set.of(email(8)), Set.of(id(8))))));

        // ---- JSON: oversized bodies
        String big = "[" + IntStream.range(0, 3_000).mapToObj(i -> item(id0)).collect(Collectors.joining(",")) + "]";
        c.add(raw(Entry.JSON, "oversized body (Content-Length above the limit)", "", utf8(big), false, new Rejected(413, List.of("body larger than"))));
        c.add(raw(Entry.JSON, "oversized body streamed without Content-Length", "", utf8(big), true, new Rejected(413, List.of("body larger than"))));

        // ---- CSV: structure
        c.add(csv("empty file", "", rejected("file: empty file, expected a header contributor_id,email_address")));
        c.add(raw(Entry.CSV, "only a BOM", CSV_QUERY, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, false,
                rejected("file: empty file, expected a header contributor_id,email_address")));
        c.add(csv("header only (CRLF)", "contributor_id,email_address\r\n", rejected("file: no rows after the header")));
        c.add(csv("missing email_address header", "contributor_id\n" + id0 + "\n", rejected("line 1, column email_address: missing from the header")));
        c.add(csv("no header line at all", id0 + "," + email(0) + "\n",
                rejected("line 1, column contributor_id: missing from the header", "line 1, column email_address: missing from the header"), email(0)));
        c.add(csv("contributor_id twice in the header", "contributor_id,email_address,contributor_id\n" + id0 + "," + email(0) + "," + id0 + "\n",
                rejected("line 1, column contributor_id: appears twice in the header")));
        c.add(csv("Cyrillic look-alike letter in a header name", "contributor_\u0456d,email_address\n" + id0 + "," + email(0) + "\n",
                rejected("line 1, column contributor_id: missing from the header")));
        c.add(csv("semicolon-separated file", "contributor_id;email_address\n" + id0 + ";" + email(0) + "\n",
                rejected("line 1, column contributor_id: missing from the header", "line 1, column email_address: missing from the header")));
        c.add(csv("a row with an extra column", "contributor_id,email_address\n" + id0 + "," + email(0) + "\n" + id(9) + "," + email(9) + ",x\n",
                rejected("line 3: has 3 columns, the header has 2")));
        c.add(csv("unterminated quote", "contributor_id,email_address\n" + id0 + ",\"" + email(0) + "\n",
                rejected("line 2: quoted cell is never closed")));
        c.add(csv("quote inside an unquoted cell", "contributor_id,email_address\n" + id0 + ",ab\"c@example.test\n",
                rejected("line 2: quote inside an unquoted cell")));
        c.add(csv("CRLF inside a quoted cell: later lines keep their numbers",
                "contributor_id,email_address\r\n" + id0 + ",\"" + email(0) + "\r\nx\"\r\nnot-an-id," + email(9) + "\r\n",
                rejected("line 2, column email_address: not a valid email", "line 4, column contributor_id: not a valid contributor id")));
        c.add(raw(Entry.CSV, "not UTF-8 (Latin-1 byte)", CSV_QUERY, concat(utf8("contributor_id,email_address\n" + id0 + ",m"),
                new byte[] {(byte) 0xFC}, utf8("ller@example.test\n")), false, rejected("file: not valid UTF-8")));
        c.add(raw(Entry.CSV, "UTF-16LE with its BOM", CSV_QUERY, concat(new byte[] {(byte) 0xFF, (byte) 0xFE},
                ("contributor_id,email_address\n" + id0 + "," + email(0) + "\n").getBytes(StandardCharsets.UTF_16LE)), false,
                rejected("file: not valid UTF-8")));
        c.add(csv("more rows than the limit", "contributor_id,email_address\n" + IntStream.range(0, MAX_ITEMS + 1)
                        .mapToObj(i -> (i + 1) + ",").collect(Collectors.joining("\n")) + "\n",
                rejected("file: " + (MAX_ITEMS + 1) + " rows, more than the limit of " + MAX_ITEMS)));
        c.add(raw(Entry.CSV, "oversized file", CSV_QUERY, utf8("contributor_id,email_address\n" + (id0 + "," + email(0) + "\n").repeat(3_000)), false,
                new Rejected(413, List.of("body larger than"))));
        c.add(raw(Entry.CSV, "mode query parameter missing", "?reason=OTHER", utf8("contributor_id,email_address\n" + id0 + ",\n"), false,
                new Rejected(400, List.of("query parameter mode is required (one of [EXECUTE, DRY_RUN])"))));

        // ---- CSV: cells
        c.add(csv("spreadsheet formula injection", "contributor_id,email_address\n=1+1,\"=cmd|' /C calc'!A0\"\n",
                rejected("line 2, column contributor_id: not a valid contributor id", "line 2, column email_address: not a valid email"), "calc"));
        c.add(csv("SQL injection in an email cell", "contributor_id,email_address\n" + id0 + ",x';DROP TABLE t;--@example.test\n",
                rejected("line 2, column email_address: not a valid email"), "DROP TABLE"));
        c.add(csv("NUL byte in a contributor id", "contributor_id,email_address\n" + id0 + "\u0000," + email(0) + "\n",
                rejected("line 2, column contributor_id: not a valid contributor id")));
        c.add(csv("control character in a worker_id cell", "contributor_id,email_address,worker_id\n" + id0 + "," + email(0) + ",w\u0007\n",
                rejected("line 2, column worker_id: contains a control character")));
        c.add(csv("19-digit contributor id above the bigint range", "contributor_id,email_address\n9223372036854775808,\n",
                rejected("line 2, column contributor_id: not a valid contributor id")));
        c.add(csv("emails differing only in case on two rows", "contributor_id,email_address\n" + id(26) + "," + email(26) + "\n"
                        + id(27) + "," + email(26).toUpperCase(Locale.ROOT) + "\n",
                rejected("line 3, column email_address: same email as line 2"), email(26)));
        c.add(csv("same contributor on two rows", "contributor_id,email_address\n" + id(26) + ",\n" + id(26) + ",\n",
                rejected("line 3, column contributor_id: duplicate of line 2")));
        c.add(csv("unknown contributor without an email", "contributor_id,email_address\n" + UNKNOWN_ID + ",\n",
                rejected("line 2, column contributor_id: no such contributor in PostgreSQL")));

        // ---- CSV: accepted, processed as intended
        c.add(raw(Entry.CSV, "BOM, CRLF, header in other case and spaced, emails in other case and padded", CSV_QUERY,
                concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(" Email_Address , CONTRIBUTOR_ID \r\n"
                        + "  " + email(10).toUpperCase(Locale.ROOT) + " ," + id(10) + "\r\n"
                        + "\t" + email(11) + "\t, " + id(11) + "\r\n")), false,
                published(new Subject(id(10), Set.of(email(10)), Set.of(id(10))), new Subject(id(11), Set.of(email(11)), Set.of(id(11))))));
        c.add(csv("CR-only line endings and blank lines", "contributor_id,email_address\r\r" + id(12) + ",\r   \r" + id(13) + "," + email(13) + "\r",
                published(new Subject(id(12), Set.of(email(12)), Set.of(id(12))), new Subject(id(13), Set.of(email(13)), Set.of(id(13))))));
        return c.stream();
    }

    // ------------------------------------------------------------------ the run

    /** Published subjects over all cases, for the final check. */
    private static final Map<String, Integer> EXPECTED_ON_TOPIC = new HashMap<>();

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileInputIsRejectedWithItsFieldOrLineOrPublishedAsIntended(Case c) throws Exception {
        HttpResponse<String> r = send(c);
        for (String secret : c.mustNotEcho()) {
            assertThat(r.body()).as("the answer must not echo the hostile value").doesNotContain(secret);
        }
        switch (c.expected()) {
            case Rejected rej -> {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(rej.status());
                JsonNode body = JSON.readTree(r.body());
                if (rej.status() == 400 && body.has("errors")) {
                    assertThat(body.get("errors").findValuesAsText("message")).containsExactlyElementsOf(rej.messages());
                    assertThat(body.get("error").asText()).isEqualTo("validation failed; nothing was published");
                } else {
                    assertThat(body.get("error").asText()).contains(rej.messages().getFirst());
                }
            }
            case Published pub -> {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                JsonNode body = JSON.readTree(r.body());
                assertThat(body.get("requests").findValuesAsText("status")).hasSize(pub.subjects().size()).containsOnly("PUBLISHED");
                assertThat(body.get("requests").findValuesAsText("contributorId"))
                        .containsExactlyElementsOf(pub.subjects().stream().map(Subject::contributorId).toList());
                Map<String, List<ContributorErasureRequested>> onTopic = TopicContent.requests(bootstrap, topics).stream()
                        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
                for (Subject s : pub.subjects()) {
                    EXPECTED_ON_TOPIC.merge(s.contributorId(), 1, Integer::sum);
                    List<ContributorErasureRequested> events = onTopic.getOrDefault(s.contributorId(), List.of());
                    assertThat(events).as("requests for " + s.contributorId()).hasSize(1);
                    ContributorErasureRequested e = events.getFirst();
                    assertThat(e.identifiers().emails()).as("emails are stripped").allMatch(m -> m.equals(m.strip()));
                    assertThat(lower(e.identifiers().emails())).isEqualTo(lower(s.emails()));
                    if (s.workerIds() != null) {
                        assertThat(Set.copyOf(e.identifiers().workerIds())).isEqualTo(s.workerIds());
                    }
                }
            }
        }
    }

    @Order(2)
    @Test
    void afterAllCasesOnlyTheAcceptedRequestsAreOnTheTopicAndIngestIsHealthy() throws Exception {
        Map<String, Integer> onTopic = new HashMap<>();
        TopicContent.requests(bootstrap, topics).forEach(r -> onTopic.merge(r.key(), 1, Integer::sum));
        assertThat(onTopic).isEqualTo(EXPECTED_ON_TOPIC);
        assertThat(onTopic).isNotEmpty();

        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(l -> l.startsWith("ingest_http_requests_total")))
                .as("no hostile input made ingest answer 5xx").noneMatch(l -> l.contains("status=\"5"))
                .anyMatch(l -> l.contains("status=\"400\"")).anyMatch(l -> l.contains("status=\"413\""));
    }

    // ------------------------------------------------------------------ helpers

    private static HttpResponse<String> send(Case c) throws Exception {
        String path = c.entry() == Entry.JSON ? "/v1/erasures" + c.query() : "/v1/erasures/csv" + c.query();
        HttpRequest.BodyPublisher publisher = c.chunked()
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(c.body()))
                : HttpRequest.BodyPublishers.ofByteArray(c.body());
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TestIngest.SUBMIT_TOKEN)
                .header("Content-Type", c.entry() == Entry.JSON ? "application/json" : "text/csv")
                .POST(publisher).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String id(int index) {
        return Long.toString(world.contributor(index).id());
    }

    private static String email(int index) {
        return world.contributor(index).email();
    }

    /** A valid item (JSON text) for {@code contributorId}. */
    private static String item(String contributorId) {
        return "{\"contributorId\":\"" + contributorId + "\",\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}";
    }

    /** {@code identifiers} is raw JSON object content, e.g. {@code "emails":["a@b.c"]}. */
    private static String withIdentifiers(String contributorId, String identifiers) {
        return "{\"contributorId\":\"" + contributorId + "\",\"identifiers\":{" + identifiers + "},\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}";
    }

    /** Emails are written into the JSON as given: they may hold JSON escapes such as {@code \t}. */
    private static String withEmails(String contributorId, String... emails) {
        return withIdentifiers(contributorId, "\"emails\":[" + Stream.of(emails).map(e -> "\"" + e + "\"").collect(Collectors.joining(",")) + "]");
    }

    private static String fullwidth(String digits) {
        return digits.chars().mapToObj(ch -> String.valueOf((char) ('\uFF10' + (ch - '0')))).collect(Collectors.joining());
    }

    private static Case json(String name, String body, Expected expected, String... mustNotEcho) {
        return raw(Entry.JSON, name, "", utf8(body), false, expected, mustNotEcho);
    }

    private static Case csv(String name, String body, Expected expected, String... mustNotEcho) {
        return raw(Entry.CSV, name, CSV_QUERY, utf8(body), false, expected, mustNotEcho);
    }

    private static Case raw(Entry entry, String name, String query, byte[] body, boolean chunked, Expected expected, String... mustNotEcho) {
        return new Case(name, entry, query, body, chunked, expected, List.of(mustNotEcho));
    }

    private static Rejected rejected(String... messages) {
        return new Rejected(400, List.of(messages));
    }

    private static Published published(Subject... subjects) {
        return new Published(List.of(subjects));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Set<String> lower(java.util.Collection<String> emails) {
        return emails.stream().map(e -> e.toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(LinkedHashSet::new));
    }
}
