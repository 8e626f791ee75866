package org.erasure.e2e.hostile;

import java.util.TreeSet;
import java.util.TreeMap;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.e2e.PiiScan;
import org.erasure.e2e.PipelineServices;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.SinkKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hostile input through every entry point of the whole system, with every service as its own
 * process (six sinks, the verifier, ingest) against the real stores of the dev-stack.
 *
 * <p>Table-driven: each case is a name, an entry point (a raw record on {@code erasure.requests}, as an
 * upstream service produces it, or an HTTP/CSV call to ingest), a payload and the expected result:
 * <ul>
 *   <li>{@link DeadLettered}: every sink routes the record to {@code erasure.requests.dlq} with the
 *       {@code erasure.dlq.*} headers naming the field and the problem; no sink reports it, the verifier
 *       writes no record;</li>
 *   <li>{@link Processed}: the verifier's final record has the expected outcome (and failed phases);
 *       what the request names (its contributor id, emails in any case and without surrounding spaces,
 *       worker ids) is erased, and nothing else;</li>
 *   <li>{@link Ignored}: a tombstone, committed without any output;</li>
 *   <li>{@link HttpRejected}: ingest answers 4xx naming the item and field or the line and column.</li>
 * </ul>
 * One shared world, all cases submitted together, one comparison: every store (PostgreSQL rows,
 * ClickHouse rows, Elasticsearch documents, S3 object versions, Redis keys and values) is snapshot
 * before and after; every changed item must carry an identifier of a processed request, and nothing a
 * processed request names may be left unless masked. Every service must still be alive and healthy,
 * and every consumer group must have committed past every request. A second, short phase sends one
 * unreadable record of almost 1 MB (the broker's limit), whose dead letter is larger than the record.
 *
 * <p>A case may carry a note (e.g. a known defect); it is asserted like the others, and the failure
 * message prints the note with the whole table.
 */
@DevStackTest
class HostileInputSystemTest {

    private static final Logger log = LoggerFactory.getLogger(HostileInputSystemTest.class);
    private static final ObjectMapper JSON = EventJson.newMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int WORLD = 50;
    private static final List<Phase> ALL = List.copyOf(Phase.all());
    private static final Duration SETTLE = Duration.ofMinutes(3);
    /** Ids no seeded contributor has (the world's ids have 10 or 11 digits). */
    private static final String[] UNKNOWN = {"424242001", "424242002", "424242003", "424242004", "424242005", "424242006", "424242007"};

    // ------------------------------------------------------------------ the table

    enum Entry { KAFKA, HTTP_JSON, HTTP_CSV }

    sealed interface Expected permits DeadLettered, Processed, Ignored, HttpRejected {}

    /** @param field the {@code erasure.dlq.field} header starts with this; @param problem the problem header contains this */
    record DeadLettered(String field, String problem) implements Expected {}

    /**
     * @param intended  identifiers the request names ({@code id:...}, {@code email:...}); erased, nothing else
     * @param untouched identifiers of the seeded contributor a hostile value imitates or wraps; their data must not change
     */
    record Processed(Outcome outcome, Set<Phase> failed, List<Phase> phases, Set<String> intended, Set<String> untouched) implements Expected {
        Processed(Outcome outcome, Set<Phase> failed, List<Phase> phases, Set<String> intended) {
            this(outcome, failed, phases, intended, Set.of());
        }
    }

    record Ignored() implements Expected {}

    record HttpRejected(int status, List<String> messages) implements Expected {}

    /**
     * @param key       Kafka key (raw records)
     * @param requestId of a processed raw record; HTTP cases learn theirs from the answer
     * @param note      why a case may fail today (pending change or reported defect), or null
     */
    record Case(String name, Entry entry, String key, byte[] payload, UUID requestId, Expected expected, String note) {
        Case withNote(String n) {
            return new Case(name, entry, key, payload, requestId, expected, n);
        }
    }

    /** What happened to a case, for the report. */
    record Observed(Case c, String result, List<String> problems) {}

    private SampleWorld world;
    private SeedNames seedNames;
    private Topics topics;
    private final List<Case> cases = new ArrayList<>();
    private final Map<Case, RecordMetadata> sent = new LinkedHashMap<>();
    private final Map<Case, List<UUID>> httpRequestIds = new LinkedHashMap<>();
    private final Map<Case, HttpResponse<String>> httpAnswers = new LinkedHashMap<>();

    /** The seeded subjects whose emails are also stored in email-only records (other ids, any case). */
    private final Map<Integer, String> storedVariant = new LinkedHashMap<>();

    private void defineCases() {
        // ---- unreadable: dead-lettered by every sink, skipped by the verifier
        deadLetter("not JSON: an SQL statement", n(20), utf8("DROP TABLE kepler_crowd_contributors_t; --"), "$", "not valid JSON");
        deadLetter("truncated JSON", n(20), utf8(requestJson(request(20)).substring(0, 60)), "$", "not valid JSON");
        deadLetter("JSON array instead of an object", n(21), utf8("[" + requestJson(request(21)) + "]"), "$", "expected a JSON object");
        deadLetter("empty value (0 bytes)", n(21), new byte[0], "$", "empty");
        deadLetter("unknown schemaVersion 2", n(22), mutate(request(22), o -> o.put("schemaVersion", 2)), "schemaVersion", "not supported");
        deadLetter("schemaVersion as a string", n(22), mutate(request(22), o -> o.put("schemaVersion", "1")), "schemaVersion", "wrong type");
        deadLetter("schemaVersion missing", n(23), mutate(request(23), o -> o.remove("schemaVersion")), "schemaVersion", "missing");
        deadLetter("requestId holding SQL", n(23), mutate(request(23), o -> o.put("requestId", "'; DROP TABLE x; --")), "requestId", "invalid value");
        deadLetter("contributorId missing", n(24), mutate(request(24), o -> o.remove("contributorId")), "contributorId", "missing");
        deadLetter("contributorId empty", n(24), mutate(request(24), o -> o.put("contributorId", "")), "contributorId", "must not be blank");
        deadLetter("contributorId as a JSON number", n(25), mutate(request(25), o -> o.put("contributorId", world.contributor(25).id())),
                "contributorId", "wrong type");
        deadLetter("identifiers.emails as a string", n(25), mutate(request(25), o -> ((ObjectNode) o.get("identifiers")).put("emails", email(25))),
                "identifiers.emails", "wrong type");
        deadLetter("SQL injection in an email (with spaces)", n(26), withEmails(request(26), "x' OR '1'='1@example.test"),
                "identifiers.emails[0]", "not an email address");
        deadLetter("Elasticsearch query string in an email (with spaces)", n(26), withEmails(request(26), "*@example.test OR workerEmail:*"),
                "identifiers.emails[0]", "not an email address");
        deadLetter("mode in lower case", n(27), mutate(request(27), o -> o.put("mode", "execute")), "mode", "unknown value");
        deadLetter("systems empty", n(27), mutate(request(27), o -> o.putArray("systems")), "systems", "must not be empty");
        deadLetter("systems with an ill-formed phase name", n(28), mutate(request(28), o -> o.putArray("systems").add("POSTGRES").add("ftp server")),
                "systems[1]", "not a phase name");
        deadLetter("contributorId twice (duplicate field)", n(28), utf8(requestJson(request(28)).replaceFirst("\\{",
                "{\"contributorId\":\"" + n(29) + "\",")), "$", "duplicate field");
        deadLetter("invalid UTF-8 inside a string", n(29), concat(utf8(requestJson(request(29)).replace("\"requestedBy\":\"e2e-hostile\"",
                "\"requestedBy\":\"e2e")), new byte[] {(byte) 0xC3, (byte) 0x28}, utf8("\"}")), "$", "not valid JSON");
        deadLetter("deeply nested JSON (5,000 levels in an unknown field)", n(29),
                utf8(requestJson(request(29)).replaceFirst("\\{", "{\"extra\":" + "[".repeat(5_000) + "]".repeat(5_000) + ",")), "$", "");
        deadLetter("replayOf equal to requestId", n(30), mutate(request(30), o -> o.put("replayOf", o.get("requestId").asText())),
                "replayOf", "must differ from requestId");
        deadLetter("null inside identifiers.workerIds", n(30), mutate(request(30), o -> ((ObjectNode) o.get("identifiers")).putArray("workerIds").addNull()),
                "identifiers.workerIds[0]", "missing");
        deadLetter("huge contributorId (100,000 characters)", n(31), mutate(request(31), o -> o.put("contributorId", n(31).repeat(10_000))),
                "contributorId", "longer than");
        deadLetter("NUL in contributorId", n(31), mutate(request(31), o -> o.put("contributorId", n(31) + "\u0000")),
                "contributorId", "control character");
        deadLetter("CR LF in contributorId (log and header injection)", n(32), mutate(request(32), o -> o.put("contributorId", n(32) + "\r\nX-Injected: 1")),
                "contributorId", "control character");
        deadLetter("contributorId that is an email address (it would enter the audit record)", n(32),
                mutate(request(32), o -> o.put("contributorId", email(32))), "contributorId", "must not be an email address");
        deadLetter("huge email (100,000 characters)", n(34), withEmails(request(34), "a".repeat(100_000) + "@example.test"),
                "identifiers.emails[0]", "longer than 254 characters");
        deadLetter("huge worker id (100,000 characters)", n(34), mutate(request(34), o -> ((ObjectNode) o.get("identifiers")).putArray("workerIds")
                .add(n(34).repeat(10_000))), "identifiers.workerIds[0]", "longer than 254 characters");
        deadLetter("NUL in an email", n(33), withEmails(request(33), "contributor." + n(33) + "\u0000@example.test"),
                "identifiers.emails[0]", "control character");
        deadLetter("line feed inside a worker id", n(33), mutate(request(33), o -> ((ObjectNode) o.get("identifiers")).putArray("workerIds")
                        .add(n(33).substring(0, 4) + "\n" + n(33).substring(4))),
                "identifiers.workerIds[0]", "control character");

        // ---- processed: the intended subject, and only it, is erased
        ContributorErasureRequested r0 = request(0);
        processed("UTF-8 BOM before the JSON", new Raw(n(0), concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, EventJson.write(r0)),
                r0.requestId()), Outcome.COMPLETED, subject(0), null);
        ContributorErasureRequested r1 = request(1);
        processed("record without a key", new Raw(null, EventJson.write(r1), r1.requestId()), Outcome.COMPLETED, subject(1), null);
        ContributorErasureRequested r2 = request(2);
        processed("key naming a neighbour, value another contributor", new Raw(n(34), EventJson.write(r2), r2.requestId(), subject(34)),
                Outcome.COMPLETED, subject(2), null);
        ContributorErasureRequested r3 = request(3);
        processed("UTF-16LE JSON with its BOM", new Raw(n(3), concat(new byte[] {(byte) 0xFF, (byte) 0xFE},
                requestJson(r3).getBytes(StandardCharsets.UTF_16LE)), r3.requestId()), Outcome.COMPLETED, subject(3), null);
        processed("contributorId with surrounding spaces, no other identifier", bare(4, " \t" + n(4) + " "),
                Outcome.COMPLETED, Set.of(StoreSnapshot.id(n(4))), null);
        processed("email differing only in case (also stored in mixed case in email-only records)",
                raw(5, n(5), List.of(email(5).toUpperCase(Locale.ROOT)), List.of()),
                Outcome.COMPLETED, Set.of(StoreSnapshot.id(n(5)), StoreSnapshot.email(email(5))), null);
        processed("email in other case with surrounding spaces (stored in mixed case elsewhere)",
                raw(6, n(6), List.of("  " + email(6).toUpperCase(Locale.ROOT).replace("EXAMPLE", "Example") + "\t"), List.of()),
                Outcome.COMPLETED, Set.of(StoreSnapshot.id(n(6)), StoreSnapshot.email(email(6))), null);
        processed("email with surrounding whitespace, same case (also in email-only records)",
                raw(7, n(7), List.of(" \t" + email(7) + "\n "), List.of()),
                Outcome.COMPLETED, Set.of(StoreSnapshot.id(n(7)), StoreSnapshot.email(email(7))), null);
        processed("only an email, in upper case, with an unknown contributorId",
                raw(8, UNKNOWN[0], List.of(email(8).toUpperCase(Locale.ROOT)), List.of()),
                Outcome.COMPLETED, Set.of(StoreSnapshot.id(UNKNOWN[0]), StoreSnapshot.email(email(8))), null);
        processed("unknown reason value (read as OTHER)", raw(9, n(9), List.of(email(9)), List.of(n(9)), o -> o.put("reason", "GDPR_ARTICLE_17")),
                Outcome.COMPLETED, subject(9), null);
        processed("unknown fields and a 600 KB unknown value (forward compatibility)",
                raw(10, n(10), List.of(email(10)), List.of(n(10)), o -> o.put("priority", "HIGH").put("comment", "x".repeat(600_000))),
                Outcome.COMPLETED, subject(10), null);

        // ---- processed: hostile identifiers match nobody, nothing changes
        nothing("SQL injection in contributorId", bare(35, n(35) + " OR 1=1"), Outcome.COMPLETED, Set.of(), ALL);
        nothing("SQL quote injection in contributorId", bare(35, n(35) + "' OR '1'='1"), Outcome.COMPLETED, Set.of(), ALL);
        nothing("quotes and SQL comment in syntactically odd emails",
                raw(36, UNKNOWN[1], List.of("x'or'1'='1@example.test", email(36) + "'--"), List.of()), Outcome.COMPLETED, Set.of(), ALL);
        nothing("Elasticsearch query string in contributorId", bare(37, n(37) + " OR judgments.workerId:*"), Outcome.COMPLETED, Set.of(), ALL);
        nothing("Elasticsearch wildcards in emails and worker ids", raw(38, UNKNOWN[2], List.of("*@example.test", "contributor.*@example.test"),
                List.of("*", n(38).substring(0, 6) + "*")), Outcome.COMPLETED, Set.of(), ALL);
        nothing("Redis glob '*' as contributorId (Redis only)", raw(39, "*", List.of(), List.of(), o -> o.putArray("systems").add("REDIS")),
                Outcome.COMPLETED, Set.of(), List.of(Phase.REDIS));
        nothing("Redis glob: a character class in contributorId", bare(39, n(39).substring(0, n(39).length() - 1) + "[0-9]"),
                Outcome.COMPLETED, Set.of(), ALL);
        nothing("Redis glob '?' replacing a digit", bare(40, n(40).substring(0, n(40).length() - 1) + "?"), Outcome.COMPLETED, Set.of(), ALL);
        nothing("S3 key injection '../<id>'", bare(41, "../" + n(41)), Outcome.FAILED, Set.of(Phase.S3), ALL);
        nothing("S3 key injection '<id>/../<id>'", bare(41, n(42) + "/../" + n(41)), Outcome.FAILED, Set.of(Phase.S3), ALL);
        nothing("S3 key injection '..'", bare(42, ".."), Outcome.FAILED, Set.of(Phase.S3), ALL);
        nothing("URL-encoded path traversal in contributorId", bare(42, "%2e%2e%2f" + n(42)), Outcome.COMPLETED, Set.of(), ALL);
        nothing("path traversal in worker ids", raw(43, UNKNOWN[3], List.of(), List.of("../../../etc/passwd", "..\\..\\" + n(43))),
                Outcome.COMPLETED, Set.of(), ALL);
        cases.add(caseOf("fullwidth digits: look-alike of a neighbour's id", bare(44, fullwidth(n(44))), Outcome.COMPLETED, Set.of(), ALL, Set.of()));
        cases.add(caseOf("Arabic-Indic digits: look-alike of a neighbour's id", bare(45, arabicIndic(n(45))), Outcome.COMPLETED, Set.of(), ALL, Set.of()));
        nothing("Cyrillic look-alike letter in an email", raw(46, UNKNOWN[4], List.of(email(46).replace("contributor", "c\u043entributor")), List.of()),
                Outcome.COMPLETED, Set.of(), ALL);
        nothing("zero-width space inside an email", raw(47, UNKNOWN[5], List.of(email(47).replace("@", "\u200B@")), List.of()),
                Outcome.COMPLETED, Set.of(), ALL);
        nothing("no-break spaces around an email", raw(47, UNKNOWN[6], List.of("\u00A0" + email(47) + "\u00A0"), List.of()),
                Outcome.COMPLETED, Set.of(), ALL);
        // Rolling upgrades: a phase no sink here runs (and the verifier does not await) is ignored, not dead-lettered.
        nothing("systems naming a phase this pipeline does not run", raw(48, UNKNOWN[0], List.of(), List.of(),
                o -> o.putArray("systems").add("POSTGRES").add("FTP")), Outcome.COMPLETED, Set.of(), List.of(Phase.POSTGRES));
        nothing("dry run for a seeded contributor", raw(48, n(48), List.of(email(48)), List.of(n(48)), o -> o.put("mode", "DRY_RUN")),
                Outcome.DRY_RUN, Set.of(), ALL);
        cases.add(new Case("tombstone (null value)", Entry.KAFKA, n(48), null, null, new Ignored(), null));

        // ---- through ingest: HTTP JSON and CSV
        String csv = "\uFEFF Email_Address , CONTRIBUTOR_ID \r\n  " + email(11).toUpperCase(Locale.ROOT) + " ," + n(11) + "\r\n\t"
                + email(12) + "\t, " + n(12) + "\r\n";
        http("CSV: BOM, CRLF, header in other case and padded, emails in other case and padded", Entry.HTTP_CSV, utf8(csv),
                new Processed(Outcome.COMPLETED, Set.of(), ALL, union(subject(11), subject(12))), null);
        http("JSON: email differing only in case from its mixed-case copies", Entry.HTTP_JSON,
                utf8("{\"contributorId\":\"" + n(13) + "\",\"identifiers\":{\"emails\":[\"" + email(13).toUpperCase(Locale.ROOT)
                        + "\"]},\"reason\":\"USER_REQUEST\",\"mode\":\"EXECUTE\"}"),
                new Processed(Outcome.COMPLETED, Set.of(), ALL, subject(13)), null);
        http("JSON: quotes, comment, glob and query-string characters in valid emails of an unknown contributor", Entry.HTTP_JSON,
                utf8("{\"contributorId\":\"" + UNKNOWN[6] + "0\",\"identifiers\":{\"emails\":[\"o'brien'--@example.test\",\"*?@example.test\"]},"
                        + "\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}"),
                new Processed(Outcome.COMPLETED, Set.of(), ALL, Set.of()), null);
        http("JSON: SQL injection in contributorId", Entry.HTTP_JSON,
                utf8("{\"contributorId\":\"" + n(14) + " OR 1=1\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}"),
                new HttpRejected(400, List.of("item 1, field contributorId: not a valid contributor id")), null);
        http("JSON: two concatenated objects", Entry.HTTP_JSON,
                utf8("{\"contributorId\":\"" + n(14) + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}{\"contributorId\":\"" + n(15)
                        + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}"),
                new HttpRejected(400, List.of("body: not valid JSON: more than one JSON value (send one object or one array)")), null);
        http("CSV: spreadsheet formula injection", Entry.HTTP_CSV, utf8("contributor_id,email_address\n=1+1,\"=cmd|' /C calc'!A0\"\n" + n(16) + ",\n"),
                new HttpRejected(400, List.of("line 2, column contributor_id: not a valid contributor id", "line 2, column email_address: not a valid email")), null);
        http("CSV: duplicate header and emails differing only in case", Entry.HTTP_CSV, utf8("contributor_id,email_address,contributor_id\n"
                        + n(16) + "," + email(16) + "," + n(16) + "\n" + n(17) + "," + email(16).toUpperCase(Locale.ROOT) + "," + n(17) + "\n"),
                new HttpRejected(400, List.of("line 1, column contributor_id: appears twice in the header", "line 3, column email_address: same email as line 2")), null);
        http("CSV: empty upload", Entry.HTTP_CSV, new byte[0],
                new HttpRejected(400, List.of("file: empty file, expected a header contributor_id,email_address")), null);
    }

    /** Subjects whose emails are also stored, in another case, in records of other ids (legacy accounts). */
    private void defineEmailOnlyRecords() {
        storedVariant.put(5, mixedCase(email(5)));
        storedVariant.put(6, mixedCase(email(6)));
        storedVariant.put(7, email(7));
        storedVariant.put(8, mixedCase(email(8)));
        storedVariant.put(13, mixedCase(email(13)));
    }

    // ------------------------------------------------------------------ the run

    @Test
    void hostileInputIsRejectedDeadLetteredOrProcessedAndChangesNothingElse(DevStack stack, TestNames names, @TempDir Path dir) throws Exception {
        long begin = System.nanoTime();
        world = SampleWorld.isolated(WORLD);
        seedNames = SeedNames.unique(names);
        topics = Topics.withPrefix(names.stem() + ".");
        List<DevStack.Service> stores = List.of(DevStack.Service.POSTGRES, DevStack.Service.CLICKHOUSE, DevStack.Service.S3,
                DevStack.Service.ELASTICSEARCH, DevStack.Service.REDIS, DevStack.Service.KAFKA);
        stack.startAll(stores);
        WorldSeeder.seed(stack, world, seedNames, stores);
        defineEmailOnlyRecords();
        seedEmailOnlyRecords(stack);
        defineCases();
        Observed poisonPill = null;
        List<Observed> observed;
        try (PipelineServices pipeline = PipelineServices.start(stack, topics, seedNames, dir,
                     PipelineServices.Options.defaults().sinksHocon("sink.batch.max-size = 500\n"));
             Outputs outputs = new Outputs(stack, topics);
             KafkaProducer<String, byte[]> producer = producer(stack)) {
            pipeline.awaitReady(Duration.ofMinutes(2));
            Map<String, Integer> healthPorts = new LinkedHashMap<>();
            pipeline.services().forEach(s -> healthPorts.put(s.name(), s.httpPort()));
            List<ServiceProcess> services = pipeline.services().stream().map(PipelineServices.Service::process).toList();
            int ingestPort = pipeline.service("ingest").httpPort();
            String token = pipeline.ingestToken();
            log.info("MEASURED services healthy {} s after the test started", (System.nanoTime() - begin) / 1_000_000_000);

            StoreSnapshot before = StoreSnapshot.take(stack, seedNames);

            // All cases together: raw records first, then the HTTP calls.
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            List<Case> raw = cases.stream().filter(c -> c.entry() == Entry.KAFKA).toList();
            for (Case c : raw) {
                futures.add(producer.send(new ProducerRecord<>(topics.requests(), c.key(), c.payload())));
            }
            producer.flush();
            for (int i = 0; i < raw.size(); i++) {
                sent.put(raw.get(i), futures.get(i).get());
            }
            for (Case c : cases) {
                if (c.entry() != Entry.KAFKA) {
                    HttpResponse<String> answer = post(ingestPort, token, c);
                    httpAnswers.put(c, answer);
                    if (answer.statusCode() == 202) {
                        List<UUID> ids = new ArrayList<>();
                        JSON.readTree(answer.body()).get("requests").forEach(r -> ids.add(UUID.fromString(r.get("requestId").asText())));
                        httpRequestIds.put(c, ids);
                    }
                }
            }
            long submitted = System.nanoTime();

            Map<TopicPartition, Long> lastRequestOffsets = lastDataOffsets(stack, topics.requestLanes());
            Map<String, String> groups = consumerGroups(true);
            outputs.pollUntil(() -> settled(outputs) && caughtUp(stack, groups, lastRequestOffsets), SETTLE);
            log.info("MEASURED {} cases settled {} ms after submission ({} phase reports, {} final records, {} dead letters)",
                    cases.size(), (System.nanoTime() - submitted) / 1_000_000, outputs.phaseReports.size(), outputs.finals.size(), outputs.deadLetters.size());

            StoreSnapshot after = StoreSnapshot.take(stack, seedNames);
            observed = evaluate(outputs, before, after);
            observed.add(servicesHealthy("after all cases", healthPorts, services));
            observed.add(consumed(stack, groups, lastRequestOffsets));

            poisonPill = poisonPill(stack, producer, outputs, healthPorts, services);
            observed.add(piiOutsideTheStores(stack, names, dir, healthPorts, outputs.finals.keySet(), token));
        }
        observed.add(poisonPill);
        String report = report(observed);
        log.info("Hostile input report ({} s in all):\n{}", (System.nanoTime() - begin) / 1_000_000_000, report);
        assertThat(observed.stream().filter(o -> !o.problems().isEmpty()).toList())
                .as("cases whose observed result differs from the expected one:\n%s\nservice outputs: %s", report, dir)
                .isEmpty();
    }

    // ------------------------------------------------------------------ evaluation

    private boolean settled(Outputs outputs) {
        for (Case c : cases) {
            switch (c.expected()) {
                // A case can be judged once it has a terminal output, the expected one or not.
                case DeadLettered d -> {
                    RecordMetadata m = sent.get(c);
                    if (outputs.deadLettersOf(m.partition(), m.offset()).size() < SinkKind.values().length
                            && (c.requestId() == null || !outputs.finals.containsKey(c.requestId()))) {
                        return false;
                    }
                }
                case Processed p -> {
                    RecordMetadata m = sent.get(c);
                    boolean deadLettered = m != null && outputs.deadLettersOf(m.partition(), m.offset()).size() >= SinkKind.values().length;
                    for (UUID id : requestIds(c)) {
                        if (!outputs.finals.containsKey(id) && !deadLettered) {
                            return false;
                        }
                    }
                }
                default -> { }
            }
        }
        return true;
    }

    private List<UUID> requestIds(Case c) {
        if (c.entry() == Entry.KAFKA) {
            return c.requestId() == null ? List.of() : List.of(c.requestId());
        }
        return httpRequestIds.getOrDefault(c, List.of());
    }

    private List<Observed> evaluate(Outputs outputs, StoreSnapshot before, StoreSnapshot after) {
        Set<String> intended = new LinkedHashSet<>();
        for (Case c : cases) {
            if (c.expected() instanceof Processed p) {
                intended.addAll(p.intended());
            }
        }
        List<Observed> result = new ArrayList<>();
        for (Case c : cases) {
            List<String> problems = new ArrayList<>();
            String seen = switch (c.entry()) {
                case KAFKA -> observeRecord(c, outputs, problems);
                case HTTP_JSON, HTTP_CSV -> observeHttp(c, outputs, problems);
            };
            if (c.expected() instanceof Processed p) {
                problems.addAll(leftovers(p.intended(), after));
                problems.addAll(touched(p.untouched(), intended, before, after));
            }
            result.add(new Observed(c, seen, problems));
        }
        // No store change outside what the processed requests name.
        List<String> outside = new ArrayList<>();
        Map<String, String> examples = new HashMap<>();
        for (String key : StoreSnapshot.changedKeys(before, after)) {
            StoreSnapshot.Item b = before.items().get(key);
            StoreSnapshot.Item a = after.items().get(key);
            Set<String> carried = new LinkedHashSet<>();
            if (b != null) {
                carried.addAll(b.identifiers());
            }
            if (a != null) {
                carried.addAll(a.identifiers());
            }
            if (carried.stream().noneMatch(intended::contains)) {
                String store = key.substring(0, key.indexOf('/'));
                String group = carried + " in " + store + (b == null ? " (added)" : a == null ? " (removed)" : " (changed)");
                outside.add(group);
                examples.putIfAbsent(group, key + ": " + (b == null ? "-" : abbreviate(b.content())) + " -> " + (a == null ? "-" : abbreviate(a.content())));
            }
        }
        // One line per person and store, e.g. "[id:..., email:...] in clickhouse (changed): 100 items, e.g. ...".
        outside = outside.stream().collect(Collectors.groupingBy(o -> o, java.util.TreeMap::new, Collectors.counting()))
                .entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + " items, e.g. " + examples.get(e.getKey())).toList();
        result.add(new Observed(new Case("no store change outside the intended subjects", Entry.KAFKA, null, null, null, new Ignored(), null),
                StoreSnapshot.changedKeys(before, after).size() + " items changed in all", outside));
        return result;
    }

    /** Changes to the data of {@code guarded} that no processed request explains, one line per store. */
    private static List<String> touched(Set<String> guarded, Set<String> intended, StoreSnapshot before, StoreSnapshot after) {
        if (guarded.isEmpty()) {
            return List.of();
        }
        Map<String, Long> perStore = new java.util.TreeMap<>();
        for (String key : StoreSnapshot.changedKeys(before, after)) {
            Set<String> carried = new LinkedHashSet<>();
            StoreSnapshot.Item b = before.items().get(key);
            StoreSnapshot.Item a = after.items().get(key);
            if (b != null) {
                carried.addAll(b.identifiers());
            }
            if (a != null) {
                carried.addAll(a.identifiers());
            }
            if (carried.stream().anyMatch(guarded::contains) && carried.stream().noneMatch(intended::contains)) {
                perStore.merge(key.substring(0, key.indexOf('/')), 1L, Long::sum);
            }
        }
        return perStore.entrySet().stream()
                .map(e -> "the imitated contributor's data changed in " + e.getKey() + " (" + e.getValue() + " items)").toList();
    }

    /** What is left of the identifiers a processed request names: only masked rows may keep them. */
    private static List<String> leftovers(Set<String> intended, StoreSnapshot after) {
        List<String> left = new ArrayList<>();
        for (StoreSnapshot.Item item : after.items().values()) {
            if (!item.maskedResidue() && item.identifiers().stream().anyMatch(intended::contains)) {
                left.add("still holds the subject: " + item.key() + " = " + abbreviate(item.content()));
            }
        }
        return left;
    }

    private String observeRecord(Case c, Outputs outputs, List<String> problems) {
        RecordMetadata m = sent.get(c);
        List<ConsumerRecord<String, byte[]>> dlq = outputs.deadLettersOf(m.partition(), m.offset());
        ErasureCompleted fin = c.requestId() == null ? null : outputs.finals.get(c.requestId());
        List<PhaseCompleted> reports = c.requestId() == null ? List.of() : outputs.phaseReports.getOrDefault(c.requestId(), List.of());
        String seen;
        if (!dlq.isEmpty()) {
            seen = "dead-lettered x" + dlq.size() + " [" + header(dlq.getFirst(), DeadLetterHeaders.FIELD) + ": "
                    + header(dlq.getFirst(), DeadLetterHeaders.PROBLEM) + "]";
        } else if (fin != null) {
            seen = "final " + fin.outcome() + (fin.failedPhases().isEmpty() ? "" : " failed " + fin.failedPhases() + " " + errorCodes(reports))
                    + ", " + reports.size() + " phase reports";
        } else if (!reports.isEmpty()) {
            seen = reports.size() + " phase reports, no final record";
        } else {
            seen = "no output";
        }
        switch (c.expected()) {
            case DeadLettered d -> {
                if (dlq.size() != SinkKind.values().length) {
                    problems.add("expected one dead letter per sink, got " + dlq.size());
                }
                for (ConsumerRecord<String, byte[]> r : dlq) {
                    String field = header(r, DeadLetterHeaders.FIELD);
                    String problem = header(r, DeadLetterHeaders.PROBLEM);
                    if (field == null || !field.startsWith(d.field()) || problem == null || !problem.contains(d.problem())) {
                        problems.add("dead letter says [" + field + ": " + problem + "], expected [" + d.field() + "...: ..." + d.problem() + "...]");
                    }
                    if (!topics.requests().equals(header(r, DeadLetterHeaders.SOURCE_TOPIC))
                            || header(r, DeadLetterHeaders.EXCEPTION) == null) {
                        problems.add("dead letter lacks its source or exception header");
                    }
                }
                if (!reports.isEmpty() || fin != null) {
                    problems.add("a dead-lettered request must not be reported or recorded");
                }
            }
            case Processed p -> {
                if (!dlq.isEmpty()) {
                    problems.add("dead-lettered, expected processed");
                }
                checkFinal(fin, reports, p, problems);
            }
            case Ignored i -> {
                if (!dlq.isEmpty() || fin != null || !reports.isEmpty()) {
                    problems.add("expected no output");
                }
            }
            case HttpRejected h -> throw new IllegalStateException("not a raw record case");
        }
        return seen;
    }

    private static List<String> errorCodes(List<PhaseCompleted> reports) {
        return reports.stream().filter(r -> r.error() != null).map(r -> r.phase() + ": " + r.error().code()).toList();
    }

    private String observeHttp(Case c, Outputs outputs, List<String> problems) {
        HttpResponse<String> answer = httpAnswers.get(c);
        String seen = "HTTP " + answer.statusCode();
        try {
            JsonNode body = JSON.readTree(answer.body());
            switch (c.expected()) {
                case HttpRejected h -> {
                    List<String> messages = body.has("errors") ? body.get("errors").findValuesAsText("message") : List.of(body.path("error").asText());
                    seen += " " + messages;
                    if (answer.statusCode() != h.status() || !messages.equals(h.messages())) {
                        problems.add("expected HTTP " + h.status() + " " + h.messages());
                    }
                }
                case Processed p -> {
                    if (answer.statusCode() != 202) {
                        problems.add("expected 202, got " + answer.statusCode() + " " + answer.body());
                        return seen;
                    }
                    List<String> outcomes = new ArrayList<>();
                    for (UUID id : httpRequestIds.get(c)) {
                        ErasureCompleted fin = outputs.finals.get(id);
                        outcomes.add(fin == null ? "no final record" : fin.outcome().toString());
                        checkFinal(fin, outputs.phaseReports.getOrDefault(id, List.of()), p, problems);
                    }
                    seen += ", final " + outcomes;
                }
                default -> throw new IllegalStateException("not an HTTP case");
            }
        } catch (Exception e) {
            problems.add("unreadable answer: " + e);
        }
        return seen;
    }

    private static void checkFinal(ErasureCompleted fin, List<PhaseCompleted> reports, Processed p, List<String> problems) {
        if (fin == null) {
            problems.add("no final record");
            return;
        }
        if (fin.outcome() != p.outcome() || !fin.failedPhases().equals(p.failed())) {
            problems.add("final " + fin.outcome() + " failed " + fin.failedPhases() + ", expected " + p.outcome() + " failed " + p.failed());
        }
        Set<Phase> reported = reports.stream().map(PhaseCompleted::phase).collect(Collectors.toCollection(() -> new TreeSet<>()));
        if (reports.size() != p.phases().size() || !reported.equals(Set.copyOf(p.phases()))) {
            problems.add("phase reports " + reports.stream().map(PhaseCompleted::phase).toList() + ", expected one from each of " + p.phases());
        }
    }

    private Observed servicesHealthy(String when, Map<String, Integer> ports, List<ServiceProcess> services) {
        List<String> problems = new ArrayList<>();
        for (ServiceProcess s : services) {
            if (!s.isAlive()) {
                problems.add(s.name() + " exited");
            }
        }
        ports.forEach((name, port) -> {
            int status = healthStatus(name, port);
            if (status != 200) {
                problems.add(name + " health " + status);
            }
        });
        return new Observed(new Case("every service alive and healthy " + when, Entry.KAFKA, null, null, null, new Ignored(), null),
                services.size() + " processes checked", problems);
    }

    /**
     * Hostile values must not leak either: the services' logs, their /metrics, and every topic of the
     * run (the request lanes' headers only: the requests carry identifiers by design).
     */
    private Observed piiOutsideTheStores(DevStack stack, TestNames names, Path dir, Map<String, Integer> ports,
                                         java.util.Set<UUID> finals, String token) {
        PiiScan scan = new PiiScan().files(dir).topics(stack.kafka(), topics, names.stem());
        ports.forEach((name, port) -> scan.text(name + " /metrics", httpGet(port, "/metrics", null)));
        // The status an upstream service asks for, from the verifier and through ingest, for every request with a record.
        for (UUID id : finals) {
            scan.text("verifier status of " + id, httpGet(ports.get("verifier"), "/erasures/" + id, null));
            scan.text("ingest status of " + id, httpGet(ports.get("ingest"), "/v1/erasures/" + id, token));
        }
        // The status page and its data once its tail has read the whole run (dead letters are counted there, never shown).
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .until(() -> JSON.readTree(httpGet(ports.get("verifier"), "/status/data", null)).at("/records/historyRead").asBoolean());
        scan.text("verifier /status/data", httpGet(ports.get("verifier"), "/status/data", null))
                .text("verifier /status", httpGet(ports.get("verifier"), "/status", null));
        log.info("{}", scan.summary());
        return new Observed(new Case("no PII outside the stores (logs, /metrics, status responses, the status page, every topic of the run)", Entry.KAFKA,
                null, null, null, new Ignored(), null), scan.summary(), scan.findings());
    }

    private static String httpGet(int port, String path, String bearer) {
        try {
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10));
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            return java.net.http.HttpClient.newHttpClient().send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return ""; // an unreachable service is reported by servicesHealthy
        }
    }

    private Observed consumed(DevStack stack, Map<String, String> groups, Map<TopicPartition, Long> last) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<TopicPartition, Long>> committed = committed(stack, groups.keySet());
        committed.forEach((group, offsets) -> last.forEach((tp, offset) -> {
            long at = offsets.getOrDefault(tp, -1L);
            if (reads(groups.get(group), tp) && at <= offset) {
                problems.add(group + " committed " + at + " on " + tp + ", the last request is at " + offset);
            }
        }));
        return new Observed(new Case("every sink and the verifier consumed every request", Entry.KAFKA, null, null, null, new Ignored(), null),
                groups.size() + " consumer groups", problems);
    }

    /**
     * An unreadable record of almost 1 MB: its dead letter (same bytes plus the {@code erasure.dlq.*}
     * headers) is larger than the producer's {@code max.request.size}.
     */
    private Observed poisonPill(DevStack stack, KafkaProducer<String, byte[]> producer, Outputs outputs,
                                Map<String, Integer> ports, List<ServiceProcess> services) throws Exception {
        Case c = new Case("unreadable record at the size limit (its dead letter, with headers, exceeds max.request.size)", Entry.KAFKA, n(49),
                largestRecordValue(n(49)), null, new DeadLettered("$", "not valid JSON"), null);
        RecordMetadata m = producer.send(new ProducerRecord<>(topics.requests(), c.key(), c.payload())).get();
        sent.put(c, m);
        Map<TopicPartition, Long> last = lastDataOffsets(stack, topics.requestLanes());
        Map<String, String> groups = consumerGroups(false);
        outputs.pollUntil(() -> outputs.deadLettersOf(m.partition(), m.offset()).size() >= SinkKind.values().length
                || transactionAborts(ports) >= 3L * SinkKind.values().length, Duration.ofSeconds(90));
        List<String> problems = new ArrayList<>();
        String seen = observeRecord(c, outputs, problems);
        long aborts = transactionAborts(ports);
        if (aborts > 0) {
            seen += ", " + aborts + " Kafka transactions aborted by the sinks";
        }
        if (!caughtUp(stack, groups, last)) {
            problems.add("the sinks did not get past the record (every later request on their partitions waits)");
        }
        problems.addAll(servicesHealthy("after the 1 MB record", ports, services).problems());
        return new Observed(c, seen, problems);
    }

    /**
     * A value ({@code "{xxx..."}, not JSON) that makes the largest record a default producer sends
     * ({@code max.request.size} = 1 MiB; the producer's upper bound for one record is the batch header,
     * 61 bytes, plus 21 bytes of record header, plus key, value and their length varints): the broker
     * accepts it; a copy with the six {@code erasure.dlq.*} headers does not fit.
     */
    private static byte[] largestRecordValue(String key) {
        int keyBytes = utf8(key).length;
        int size = 1_048_576 - 8 - (61 + 21 + 1 + keyBytes + 3 + 1);
        return utf8("{" + "x".repeat(size - 1));
    }

    private static long transactionAborts(Map<String, Integer> ports) {
        long sum = 0;
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            if (!e.getKey().startsWith("sink-")) {
                continue;
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.getValue() + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                sum += r.body().lines().filter(l -> l.startsWith("erasure_sink_transaction_aborts_total"))
                        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            } catch (Exception ignored) {
                // counted as none: health is checked separately
            }
        }
        return sum;
    }

    private static String report(List<Observed> observed) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Observed o : observed) {
            if (o == null) {
                continue;
            }
            n++;
            sb.append(String.format("%3d %-8s %-9s %s%n      expected: %s%n      observed: %s%n", n,
                    o.problems().isEmpty() ? "ok" : "MISMATCH", o.c().entry(), o.c().name(), describe(o.c().expected()), o.result()));
            if (o.c().note() != null) {
                sb.append("      note: ").append(o.c().note()).append('\n');
            }
            o.problems().stream().limit(30).forEach(p -> sb.append("      ! ").append(p).append('\n'));
            if (o.problems().size() > 30) {
                sb.append("      ! ... ").append(o.problems().size() - 30).append(" more\n");
            }
        }
        return sb.toString();
    }

    private static String describe(Expected e) {
        return switch (e) {
            case DeadLettered d -> "dead-lettered by every sink [" + d.field() + ": ..." + d.problem() + "...]";
            case Processed p -> "final " + p.outcome() + (p.failed().isEmpty() ? "" : " failed " + p.failed())
                    + (p.intended().isEmpty() ? ", nothing erased" : ", erased exactly " + p.intended().size() + " identifiers");
            case Ignored i -> "nothing";
            case HttpRejected h -> "HTTP " + h.status() + " " + h.messages();
        };
    }

    // ------------------------------------------------------------------ case builders

    private String n(int index) {
        return Long.toString(world.contributor(index).id());
    }

    private String email(int index) {
        return world.contributor(index).email();
    }

    /** A valid request for seeded contributor {@code index}, naming its email and worker id. */
    private ContributorErasureRequested request(int index) {
        return ContributorErasureRequested.builder()
                .contributorId(n(index))
                .identifiers(List.of(email(index)), List.of(n(index)))
                .requestedBy("e2e-hostile")
                .reason(ErasureReason.ACCOUNT_CLOSED)
                .mode(Mode.EXECUTE)
                .build();
    }

    /** A raw request with only a contributor id (no emails, no worker ids). */
    private Raw bare(int index, String contributorId) {
        return raw(index, contributorId, List.of(), List.of());
    }

    private Raw raw(int index, String contributorId, List<String> emails, List<String> workerIds) {
        return raw(index, contributorId, emails, workerIds, o -> { });
    }

    /**
     * A request written as JSON by hand (keyed by its contributorId text), so values reach the topic
     * exactly as given: the contract's builder would refuse or normalise some of them.
     */
    private Raw raw(int index, String contributorId, List<String> emails, List<String> workerIds, Consumer<ObjectNode> change) {
        ObjectNode node = (ObjectNode) EventJson.toTree(request(index));
        UUID requestId = UUID.randomUUID();
        node.put("requestId", requestId.toString());
        node.put("contributorId", contributorId);
        ObjectNode ids = (ObjectNode) node.get("identifiers");
        ArrayNode e = ids.putArray("emails");
        emails.forEach(e::add);
        ArrayNode w = ids.putArray("workerIds");
        workerIds.forEach(w::add);
        change.accept(node);
        return new Raw(contributorId, write(node), requestId, subject(index));
    }

    /** The identifiers a request for seeded contributor {@code index} names. */
    private Set<String> subject(int index) {
        return Set.of(StoreSnapshot.id(n(index)), StoreSnapshot.email(email(index)));
    }

    private void deadLetter(String name, String key, byte[] payload, String field, String problem) {
        cases.add(new Case(name, Entry.KAFKA, key, payload, requestIdIn(payload), new DeadLettered(field, problem), null));
    }

    /** The requestId a payload names, if it can be read as JSON at all (to find reports a sink should not have made). */
    private static UUID requestIdIn(byte[] payload) {
        try {
            return UUID.fromString(JSON.readTree(payload).path("requestId").asText());
        } catch (Exception unreadable) {
            return null;
        }
    }

    /** A raw request for a subject: every phase reports, the outcome is {@code outcome}, {@code intended} is erased. */
    private void processed(String name, Raw request, Outcome outcome, Set<String> intended, String note) {
        cases.add(caseOf(name, request, outcome, Set.of(), ALL, intended).withNote(note));
    }

    /** A raw request whose identifiers match nobody: processed, nothing changes. */
    private void nothing(String name, Raw request, Outcome outcome, Set<Phase> failed, List<Phase> phases) {
        cases.add(caseOf(name, request, outcome, failed, phases, Set.of()));
    }

    private static Case caseOf(String name, Raw r, Outcome outcome, Set<Phase> failed, List<Phase> phases, Set<String> intended) {
        return new Case(name, Entry.KAFKA, r.key(), r.json(), r.requestId(), new Processed(outcome, failed, phases, intended, r.imitated()), null);
    }

    private void http(String name, Entry entry, byte[] body, Expected expected, String note) {
        cases.add(new Case(name, entry, null, body, null, expected, note));
    }

    /** A request as the bytes a producer sends, with its key and requestId. */
    record Raw(String key, byte[] json, UUID requestId, Set<String> imitated) {
        Raw(String key, byte[] json, UUID requestId) {
            this(key, json, requestId, Set.of());
        }
    }

    private static String requestJson(ContributorErasureRequested r) {
        return EventJson.writeString(r);
    }

    private static byte[] mutate(ContributorErasureRequested r, Consumer<ObjectNode> change) {
        ObjectNode node = (ObjectNode) EventJson.toTree(r);
        change.accept(node);
        return write(node);
    }

    private byte[] withEmails(ContributorErasureRequested r, String... emails) {
        return mutate(r, o -> {
            ArrayNode a = ((ObjectNode) o.get("identifiers")).putArray("emails");
            for (String e : emails) {
                a.add(e);
            }
        });
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new LinkedHashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static String mixedCase(String email) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < email.length(); i++) {
            char ch = email.charAt(i);
            sb.append(i % 2 == 0 ? Character.toUpperCase(ch) : ch);
        }
        return sb.toString();
    }

    private static String fullwidth(String digits) {
        return digits.chars().mapToObj(ch -> String.valueOf((char) ('\uFF10' + (ch - '0')))).collect(Collectors.joining());
    }

    private static String arabicIndic(String digits) {
        return digits.chars().mapToObj(ch -> String.valueOf((char) ('\u0660' + (ch - '0')))).collect(Collectors.joining());
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

    private static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ world and services

    /**
     * For the case and space cases: the subject's email also in records of another id (a legacy
     * account), stored in another case: a PostgreSQL row, a ClickHouse row and an Elasticsearch
     * judgment (next to a neighbour's, which must stay).
     */
    private void seedEmailOnlyRecords(DevStack stack) throws Exception {
        String schema = '"' + seedNames.pgSchema() + '"';
        String index = seedNames.esIndexPrefix() + world.esIndices().getFirst().substring(SampleWorld.ES_INDEX_PREFIX.length());
        int k = 0;
        try (Connection c = stack.postgres().newConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema + "." + SampleWorld.PG_CONTRIBUTORS
                     + " (id, email, first_name, last_name, status, last_activity_at, created_at) VALUES (?, ?, 'Legacy', 'Account', 'INACTIVE', now(), now())")) {
            for (Map.Entry<Integer, String> e : storedVariant.entrySet()) {
                long legacyId = world.firstId() + 500 + k;
                insert.setLong(1, legacyId);
                insert.setString(2, e.getValue());
                insert.executeUpdate();
                stack.clickhouse().query("INSERT INTO `" + seedNames.chDatabase() + "`.`" + SampleWorld.CH_UNIT_METRICS + "`"
                        + " (contributor_id, unit_id, project_id, email, event_time, judgments, seconds_spent) VALUES ("
                        + legacyId + ", 79000000, 9000, '" + e.getValue().replace("'", "\\'") + "', now(), 1, 10)");
                int neighbour = 49 - k;
                String doc = "{\"unitId\":" + (79000000 + k) + ",\"projectId\":\"legacy\",\"state\":\"finalized\",\"updatedAt\":\"" + Instant.now() + "\","
                        + "\"latest\":{\"workerId\":\"" + n(neighbour) + "\",\"workerEmail\":\"" + email(neighbour) + "\",\"answer\":\"yes\"},"
                        + "\"judgments\":[{\"workerId\":\"legacy-" + legacyId + "\",\"workerEmail\":\"" + e.getValue() + "\",\"answer\":\"no\"},"
                        + "{\"workerId\":\"" + n(neighbour) + "\",\"workerEmail\":\"" + email(neighbour) + "\",\"answer\":\"yes\"}]}";
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearch().httpUrl() + "/" + index
                                + "/_doc/legacy-" + legacyId + "?refresh=true"))
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(doc)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new IllegalStateException("indexing a legacy document failed: " + r.statusCode() + " " + r.body());
                }
                k++;
            }
        }
    }

    private static HttpResponse<String> post(int port, String token, Case c) throws Exception {
        String path = c.entry() == Entry.HTTP_JSON ? "/v1/erasures" : "/v1/erasures/csv?mode=EXECUTE&reason=USER_REQUEST";
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", c.entry() == Entry.HTTP_JSON ? "application/json" : "text/csv")
                .POST(HttpRequest.BodyPublishers.ofByteArray(c.payload())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int healthStatus(String name, int port) {
        String path = name.startsWith("sink-") ? "/health/ready" : "/health";
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static KafkaProducer<String, byte[]> producer(DevStack stack) {
        Map<String, Object> p = stack.kafka().clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Offset of the last data record per partition (read_committed; transaction markers excluded). */
    private static Map<TopicPartition, Long> lastDataOffsets(DevStack stack, List<String> topicNames) {
        Map<String, Object> c = stack.kafka().clientConfig();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
        Map<TopicPartition, Long> last = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : topicNames) {
                consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> last.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max));
            }
        }
        return last;
    }

    private static Map<String, Map<TopicPartition, Long>> committed(DevStack stack, java.util.Collection<String> groups) {
        Map<String, Map<TopicPartition, Long>> out = new LinkedHashMap<>();
        try (Admin admin = stack.kafka().newAdmin()) {
            for (String group : groups) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> m = new HashMap<>();
                offsets.forEach((tp, o) -> {
                    if (o != null) {
                        m.put(tp, o.offset());
                    }
                });
                out.put(group, m);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read committed offsets", e);
        }
        return out;
    }

    private static boolean caughtUp(DevStack stack, Map<String, String> groups, Map<TopicPartition, Long> last) {
        return committed(stack, groups.keySet()).entrySet().stream().allMatch(g -> last.entrySet().stream()
                .allMatch(e -> !reads(groups.get(g.getKey()), e.getKey()) || g.getValue().getOrDefault(e.getKey(), -1L) > e.getValue()));
    }

    /**
     * Consumer group → the request topic it reads ({@code *} for both): each sink has one group per lane
     * ({@code <name>} and {@code <name>-bulk}); the verifier's application id reads both lanes.
     */
    private Map<String, String> consumerGroups(boolean withVerifier) {
        Map<String, String> groups = new LinkedHashMap<>();
        for (String id : SinkKind.ids()) {
            groups.put(topics.prefix() + "sink-" + id, topics.requests());
            groups.put(topics.prefix() + "sink-" + id + "-bulk", topics.requestsBulk());
        }
        if (withVerifier) {
            groups.put(PipelineServices.verifierApplicationId(topics), "*");
        }
        return groups;
    }

    private static boolean reads(String topic, TopicPartition tp) {
        return topic.equals("*") || topic.equals(tp.topic());
    }

    /** The committed outputs of the run: phase reports, final records and dead letters. */
    private static final class Outputs implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Topics topics;
        final Map<UUID, List<PhaseCompleted>> phaseReports = new HashMap<>();
        final Map<UUID, ErasureCompleted> finals = new HashMap<>();
        final List<ConsumerRecord<String, byte[]>> deadLetters = new ArrayList<>();

        Outputs(DevStack stack, Topics topics) {
            this.topics = topics;
            Map<String, Object> c = stack.kafka().clientConfig();
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
            consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions(), topics.requestsDlq(), topics.requestsBulkDlq())) {
                consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        void poll() {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (topics.phaseCompletionLanes().contains(r.topic())) {
                    PhaseCompleted pc = EventJson.read(r.value(), PhaseCompleted.class);
                    if (!pc.status().isResult()) {
                        continue; // a STARTED write-ahead report, not a result
                    }
                    phaseReports.computeIfAbsent(pc.requestId(), k -> new ArrayList<>()).add(pc);
                } else if (r.topic().equals(topics.completions())) {
                    ErasureCompleted ec = EventJson.read(r.value(), ErasureCompleted.class);
                    finals.merge(ec.requestId(), ec, (a, b) -> a.revision() >= b.revision() ? a : b);
                } else {
                    deadLetters.add(r);
                }
            }
        }

        List<ConsumerRecord<String, byte[]>> deadLettersOf(int partition, long offset) {
            return deadLetters.stream().filter(r -> String.valueOf(partition).equals(header(r, DeadLetterHeaders.SOURCE_PARTITION))
                    && String.valueOf(offset).equals(header(r, DeadLetterHeaders.SOURCE_OFFSET))).toList();
        }

        void pollUntil(java.util.function.BooleanSupplier done, Duration timeout) {
            long end = System.nanoTime() + timeout.toNanos();
            long nextCheck = 0;
            while (System.nanoTime() < end) {
                poll();
                if (System.nanoTime() >= nextCheck) {
                    if (done.getAsBoolean()) {
                        return;
                    }
                    nextCheck = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
