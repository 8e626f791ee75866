package org.erasure.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Topics;

/**
 * "No PII outside the stores", checked on everything a whole-system run left behind: log files,
 * texts the services answered (/metrics, status responses), and every record of every topic of the
 * run — keys, values and headers — including the verifier's changelog and repartition topics and
 * aborted transactions (read_uncommitted: what is physically in the log). The request lanes and
 * their dead-letter copies carry identifiers by design (until per-request keys encrypt them), so
 * only their headers are scanned.
 *
 * <p>What counts as PII here: any address at the seeded world's domain, and the seeded
 * contributors' last names (whole words, the distinctive ones). A finding names where, never the
 * value.
 */
public final class PiiScan {
    private static final Pattern SEEDED_EMAIL = Pattern.compile("[^\\s\"'<>,;]+@" + Pattern.quote(SampleWorld.EMAIL_DOMAIN), Pattern.CASE_INSENSITIVE);
    private final Pattern names;
    private final List<String> findings = new ArrayList<>();
    private long scannedBytes;
    private int scannedSources;

    public PiiScan() {
        this(SampleWorld.distinctiveLastNames());
    }

    PiiScan(Collection<String> lastNames) {
        this.names = Pattern.compile("\\b(" + String.join("|", lastNames.stream().map(Pattern::quote).toList()) + ")\\b");
    }

    /** Scans one text (a /metrics body, a status response, a log). */
    public PiiScan text(String where, String text) {
        scannedSources++;
        scannedBytes += text.length();
        Matcher e = SEEDED_EMAIL.matcher(text);
        if (e.find()) {
            findings.add(where + ": an address at the seeded domain");
        }
        Matcher n = names.matcher(text);
        if (n.find()) {
            findings.add(where + ": a seeded contributor's last name");
        }
        return this;
    }

    /** Every *.log / *.out / *.json file under the directories (recursively). */
    public PiiScan files(Path... dirs) {
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(Files::isRegularFile)
                        .filter(p -> p.toString().endsWith(".log") || p.toString().endsWith(".out") || p.toString().endsWith(".json"))
                        .toList()) {
                    text(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /**
     * Every topic whose name contains {@code stem} (the run's topic prefix, which the verifier's
     * application id and hence its internal topics also carry), read from the beginning to the end.
     */
    public PiiScan topics(KafkaBroker kafka, Topics topics, String stem) {
        Set<String> requestLanes = Set.of(topics.requests(), topics.requestsBulk(), topics.requestsDlq(), topics.requestsBulkDlq());
        List<String> names;
        try (Admin admin = kafka.newAdmin()) {
            names = admin.listTopics().names().get().stream().filter(n -> n.contains(stem)).sorted().toList();
        } catch (Exception e) {
            throw new IllegalStateException("cannot list topics", e);
        }
        Map<String, Object> c = new HashMap<>(kafka.clientConfig());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (String topic : names) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts);
                boolean headersOnly = requestLanes.contains(topic);
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("could not read " + topic + " to its end");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        String where = "topic " + topic + " partition " + r.partition() + " offset " + r.offset();
                        if (!headersOnly) {
                            scanBytes(where + " key", r.key());
                            scanBytes(where + " value", r.value());
                        }
                        for (Header h : r.headers()) {
                            scanBytes(where + " header " + h.key(), h.value());
                        }
                    }
                }
                scannedSources++;
            }
        }
        return this;
    }

    private void scanBytes(String where, byte[] bytes) {
        if (bytes != null) {
            text(where, new String(bytes, StandardCharsets.UTF_8));
            scannedSources--; // counted per topic, not per record
        }
    }

    /** PII-free descriptions of what was found, one per source (empty: nothing found). */
    public List<String> findings() {
        return List.copyOf(findings);
    }

    /** One line for the test's output. */
    public String summary() {
        return "PII scan: " + scannedSources + " source(s), " + scannedBytes + " characters, " + findings.size() + " finding(s)";
    }
}
