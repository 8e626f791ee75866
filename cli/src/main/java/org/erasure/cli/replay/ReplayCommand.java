package org.erasure.cli.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.erasure.cli.ErasureCtl;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliKeys;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.Direct;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.common.Times;
import org.erasure.client.log.RequestLog;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.RequestLane;
import org.erasure.client.intake.CsvReader;
import org.erasure.client.publish.PublishException;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.keys.Opening;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Re-run erasures safely (sinks are idempotent; the verifier records a new revision).",
                "Requests mode: read erasure.requests and re-publish the selected requests, each with a new requestId and",
                "replayOf = the replayed request (identifiers, mode, reason, systems and the legal deadline are kept), in one transaction.",
                "  --request-id ID...  |  --csv FILE (column request_id)  |  --from T [--to T] (record time; latest request per contributor)",
                "With erasurectl.keys.kek (ERASURECTL_KEYS_KEK) every replay is sealed under a key of its own (a sealed original is",
                "opened first; one whose key was shredded is kept sealed and fails with KEY_SHREDDED); a sealed original needs the KEK.",
                "Sink mode: --sink NAME --to-datetime T resets that sink's consumer group on erasure.requests to the first",
                "offset at or after T (Admin alterConsumerGroupOffsets after offsetsForTimes); refused while the group has members."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:ok", "1:usage error (also: a sealed request without the KEK, or not opened by it)", "2:invalid CSV of request ids",
                "3:Kafka or the key store unreachable (nothing published)", "5:a request id was not found on erasure.requests (nothing published)",
                "6:refused: the sink's consumer group is active (stop the sink first)", "10:internal error"})
public final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    ErasureCtl root;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selection selection;

    static final class Selection {
        @Option(names = "--request-id", paramLabel = "ID", split = ",", description = "Request ids to replay (repeat or comma-separate).")
        List<UUID> requestIds;

        @Option(names = "--csv", paramLabel = "FILE", description = "CSV with a request_id column.")
        Path csv;

        @Option(names = "--from", paramLabel = "TIME", converter = Times.class, description = "Replay requests published at or after TIME.")
        Instant from;

        @Option(names = "--sink", paramLabel = "NAME", description = "Reset this sink's consumer group instead: postgres, elasticsearch, clickhouse, s3, redis (or a configured name).")
        String sink;
    }

    @Option(names = "--to", paramLabel = "TIME", converter = Times.class, description = "With --from: requests published before TIME (default now).")
    Instant to;

    @Option(names = "--to-datetime", paramLabel = "TIME", converter = Times.class, description = "With --sink: the time to rewind the group to.")
    Instant toDatetime;

    @Option(names = "--dry-run", description = "Show what would be replayed or reset; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        CliSettings s = root.settings();
        if (selection.sink != null) {
            if (toDatetime == null) {
                throw new CliException(ExitCode.USAGE, "--sink needs --to-datetime TIME");
            }
            return resetSink(s, selection.sink.toLowerCase(Locale.ROOT), toDatetime);
        }
        if (toDatetime != null) {
            throw new CliException(ExitCode.USAGE, "--to-datetime only goes with --sink");
        }
        if (to != null && selection.from == null) {
            throw new CliException(ExitCode.USAGE, "--to only goes with --from");
        }
        List<ContributorErasureRequested> originals = select(s);
        if (originals.isEmpty()) {
            root.out().println("Nothing to replay.");
            return ExitCode.OK;
        }
        if (dryRun) {
            root.out().println("Would replay " + originals.size() + " requests on " + s.topics().requestsBulk() + " (dry run, nothing published):");
            for (ContributorErasureRequested o : originals) {
                root.out().println("  " + o.requestId() + " -> (new id)  contributor " + o.contributorId() + "  mode " + o.mode()
                        + (o.hasSealedIdentifiers() ? "  (sealed)" : ""));
            }
            return ExitCode.OK;
        }
        // replays are bulk work: they never delay an account closure
        Published published = publish(root, s, originals, null, "replay", RequestLane.BULK);
        List<Replay> replays = published.replays();
        String keysLine = published.keysLine();
        root.out().println("Replayed " + replays.size() + " requests on " + s.topics().requestsBulk() + " in one transaction:");
        for (Replay r : replays) {
            root.out().println("  " + r.request().replayOf() + " -> " + r.request().requestId() + "  contributor "
                    + r.request().contributorId() + "  mode " + r.request().mode() + r.note());
        }
        root.out().println(keysLine);
        return ExitCode.OK;
    }

    /** A replay to publish and what the console says about its identifiers (empty for plain ones). */
    record Replay(ContributorErasureRequested request, String note) {}

    /** What {@link #publish} published, and the console's last line about its keys. */
    record Published(List<Replay> replays, String keysLine) {}

    /**
     * New requests for the originals ({@link #replays}) published on {@code lane} in one transaction. The key store
     * first: with a KEK, nothing is published unless every new request's key was stored before it.
     *
     * @param mode the new requests' mode, or null to keep the originals'
     */
    static Published publish(ErasureCtl root, CliSettings s, List<ContributorErasureRequested> originals, Mode mode, String what,
                             RequestLane lane) {
        Instant now = root.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        try (CliKeys keys = CliKeys.open(s); RequestPublisher publisher = keys.applyTo(Direct.publisher(s))) {
            List<Replay> replays = replays(root, originals, keys, now, mode, what);
            publisher.publish(replays.stream().map(Replay::request).toList(), r -> lane);
            return new Published(replays, keys.line(lane.topic(s.topics())));
        } catch (PublishException e) {
            throw new CliException(ExitCode.UNREACHABLE, e.getMessage());
        }
    }

    /**
     * New requests for the originals. A sealed original is bound to its own requestId (its ciphertext and wrapped key
     * are authenticated with it), so copying it under the replay's new id would never open. With the KEK it is opened
     * and the replay sealed again under a key of its own (by the publisher, like a plain original). One whose key was
     * shredded is kept as it is, key id included: every sink fails it with KEY_SHREDDED, as the original would. One
     * whose key does not open, or any sealed one without a KEK, stops the replay: nothing is published.
     */
    static List<Replay> replays(ErasureCtl root, List<ContributorErasureRequested> originals, CliKeys keys, Instant now, Mode mode, String what) {
        List<ContributorErasureRequested> sealed = originals.stream().filter(ContributorErasureRequested::hasSealedIdentifiers).toList();
        Map<UUID, Opening> opened = Map.of();
        if (!sealed.isEmpty()) {
            if (!keys.sealing()) {
                throw new CliException(ExitCode.USAGE, "requests with sealed identifiers need the key-encryption key to be " + what + "ed"
                        + " (erasurectl.keys.kek, ERASURECTL_KEYS_KEK); nothing was published: "
                        + sealed.stream().map(ContributorErasureRequested::requestId).toList());
            }
            opened = keys.openAll(sealed);
            List<String> unreadable = opened.values().stream().filter(o -> o instanceof Opening.Unreadable)
                    .map(o -> ((Opening.Unreadable) o).reason()).toList();
            if (!unreadable.isEmpty()) {
                throw new CliException(ExitCode.USAGE, Opening.KEY_UNREADABLE + " (is erasurectl.keys.kek the key-encryption key"
                        + " that sealed them?); nothing was published:" + System.lineSeparator() + "  "
                        + String.join(System.lineSeparator() + "  ", unreadable));
            }
        }
        List<Replay> out = new ArrayList<>();
        for (ContributorErasureRequested o : originals) {
            Opening opening = opened.get(o.requestId());
            ContributorErasureRequested base = opening instanceof Opening.Opened op ? op.request() : o;
            String note = opening instanceof Opening.KeyShredded ? "  (key shredded: kept sealed, sinks report " + Opening.KEY_SHREDDED + ")"
                    : keys.sealing() ? "  (sealed)" : "";
            ContributorErasureRequested.Builder b = base.toBuilder().requestId(UUID.randomUUID()).requestedAt(now)
                    .requestedBy(Direct.operator(root.env()) + " (" + what + ")").replayOf(o.requestId());
            out.add(new Replay((mode == null ? b : b.mode(mode)).build(), note));
        }
        return out;
    }

    private List<ContributorErasureRequested> select(CliSettings s) {
        if (selection.from != null) {
            Instant end = to != null ? to : root.clock().instant();
            RequestLog.Read read = readLanes(s, selection.from, end);
            warnUnreadable(read);
            // One replay per contributor and mode: the latest request in the range (a replay of a replay is not needed).
            Map<String, ContributorErasureRequested> latest = new LinkedHashMap<>();
            for (RequestLog.Entry e : read.entries()) {
                ContributorErasureRequested r = e.request();
                latest.merge(r.contributorId() + "/" + r.mode(), r, (a, b) -> b.requestedAt().isBefore(a.requestedAt()) ? a : b);
            }
            return List.copyOf(latest.values());
        }
        return byIds(root, s, new LinkedHashSet<>(selection.requestIds != null ? selection.requestIds : idsFromCsv(selection.csv)));
    }

    /** The requests with these ids, in the order given, read from both request lanes. @throws CliException NOT_FOUND naming the missing ones */
    static List<ContributorErasureRequested> byIds(ErasureCtl root, CliSettings s, Set<UUID> ids) {
        RequestLog.Read read = readLanes(s, null, null);
        warnUnreadable(root, read);
        Map<UUID, ContributorErasureRequested> byId = new HashMap<>();
        read.entries().forEach(e -> byId.put(e.request().requestId(), e.request()));
        List<UUID> missing = ids.stream().filter(id -> !byId.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new CliException(ExitCode.NOT_FOUND, "not on " + s.topics().requestLanes() + " (nothing was published): " + missing);
        }
        return ids.stream().map(byId::get).toList();
    }

    /** Both request lanes; a missing requests topic → exit 5, Kafka down → exit 3. */
    private static RequestLog.Read readLanes(CliSettings s, Instant from, Instant to) {
        try {
            return RequestLog.readLanes(s.kafka(), s.topics(), from, to, s.kafkaTimeout());
        } catch (RequestLog.TopicMissing e) {
            throw new CliException(ExitCode.NOT_FOUND, e.getMessage());
        } catch (RequestLog.Unreachable e) {
            throw new CliException(ExitCode.UNREACHABLE, e.getMessage());
        }
    }

    private void warnUnreadable(RequestLog.Read read) {
        warnUnreadable(root, read);
    }

    private static void warnUnreadable(ErasureCtl root, RequestLog.Read read) {
        if (read.unreadable() > 0) {
            root.err().println("warning: skipped " + read.unreadable() + " unreadable records on the requests topic");
        }
    }

    private static Collection<UUID> idsFromCsv(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCode.INVALID_INPUT, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        CsvReader.Result csv = CsvReader.read(text);
        List<String> problems = new ArrayList<>(csv.errors().stream().map(Object::toString).toList());
        List<UUID> ids = new ArrayList<>();
        if (csv.rows().isEmpty()) {
            throw new CliException(ExitCode.INVALID_INPUT, "empty file, expected a header with request_id");
        }
        int col = csv.rows().getFirst().cells().stream().map(c -> c.strip().toLowerCase(Locale.ROOT)).toList().indexOf("request_id");
        if (col < 0) {
            throw new CliException(ExitCode.INVALID_INPUT, "line 1, column request_id: missing from the header");
        }
        for (CsvReader.Row row : csv.rows().subList(1, csv.rows().size())) {
            try {
                ids.add(UUID.fromString(row.cells().get(col).strip()));
            } catch (RuntimeException e) {
                problems.add("line " + row.line() + ", column request_id: not a UUID");
            }
        }
        if (!problems.isEmpty()) {
            throw new CliException(ExitCode.INVALID_INPUT, "Invalid CSV; nothing was replayed:" + System.lineSeparator() + "  "
                    + String.join(System.lineSeparator() + "  ", problems));
        }
        return ids;
    }

    /** Both lanes: the sink's group on erasure.requests and its "-bulk" group on erasure.requests.bulk. */
    private int resetSink(CliSettings s, String sink, Instant time) {
        resetLane(s, sink, s.sinkGroup(sink), s.topics().requests(), time);
        resetLane(s, sink, s.sinkGroup(sink) + "-bulk", s.topics().requestsBulk(), time);
        return ExitCode.OK;
    }

    private void resetLane(CliSettings s, String sink, String group, String topic, Instant time) {
        long timeoutMs = s.kafkaTimeout().toMillis();
        try (Admin admin = Admin.create(new HashMap<>(s.kafka()))) {
            ConsumerGroupDescription description = null;
            try {
                description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
            if (description != null && !description.members().isEmpty()) {
                throw new CliException(ExitCode.REFUSED, "Refused: consumer group " + group + " of sink " + sink + " has "
                        + description.members().size() + " active member(s) (state " + description.groupState()
                        + "). Stop every instance of the sink, then run this again.");
            }
            if (!admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS).contains(topic)) {
                root.out().println("Topic " + topic + " does not exist: nothing to reset for consumer group " + group + ".");
                return;
            }
            List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> atTime = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            parts.forEach(p -> {
                atTime.put(p, OffsetSpec.forTimestamp(time.toEpochMilli()));
                latest.put(p, OffsetSpec.latest());
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(atTime).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> current = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> target = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
            for (TopicPartition p : parts) {
                long offset = found.get(p).offset();
                // -1: no record at or after the time on this partition: nothing to re-read there.
                target.put(p, new OffsetAndMetadata(offset < 0 ? ends.get(p).offset() : offset, "erasurectl replay --to-datetime " + time));
            }
            root.out().println((dryRun ? "Would reset " : "Resetting ") + "consumer group " + group + " (sink " + sink + ") on " + topic
                    + " to " + time + ":");
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : target.entrySet()) {
                OffsetAndMetadata before = current.get(e.getKey());
                root.out().println("  partition " + e.getKey().partition() + ": " + (before == null ? "none" : before.offset()) + " -> " + e.getValue().offset());
            }
            if (dryRun) {
                root.out().println("Dry run: nothing changed.");
                return;
            }
            try {
                admin.alterConsumerGroupOffsets(group, target).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownMemberIdException) {
                    throw new CliException(ExitCode.REFUSED, "Refused by Kafka: consumer group " + group
                            + " became active meanwhile. Stop the sink, then run this again.");
                }
                throw e;
            }
            root.out().println("Done: the sink re-reads from these offsets when it starts.");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new CliException(ExitCode.UNREACHABLE, "Kafka admin call failed (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNREACHABLE, "interrupted");
        }
    }

}
