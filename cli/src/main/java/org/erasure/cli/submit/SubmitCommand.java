package org.erasure.cli.submit;

import org.erasure.cli.ingest.IngestClient;
import org.erasure.cli.report.StoreSummary;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.kafka.common.TopicPartition;
import org.erasure.cli.ErasureCtl;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliKeys;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.Direct;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.kafka.CompletionLog;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.client.identity.IdentifierResolver;
import org.erasure.client.intake.CsvIntake;
import org.erasure.client.intake.Intake;
import org.erasure.client.intake.IntakeError;
import org.erasure.client.intake.IntakeRules;
import org.erasure.client.publish.PublishException;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.client.submit.SubmissionResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Validate a CSV file (header contributor_id,email_address; extra columns allowed) and publish one",
                "erasure request per row, through the ingest service or (--direct) straight to Kafka, in one transaction.",
                "A bad file is rejected whole with every error by line and column; nothing is published."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:published (and, with --wait, every erasure COMPLETED or DRY_RUN)", "1:usage error",
                "2:invalid CSV (nothing published)", "3:ingest, Kafka or the key store unreachable (nothing published)",
                "4:--wait: some erasures FAILED or TIMED_OUT, or not every final record arrived in time",
                "8:token rejected", "10:internal error"})
public final class SubmitCommand implements Callable<Integer> {

    @ParentCommand
    ErasureCtl root;

    @Option(names = "--csv", paramLabel = "FILE", required = true, description = "CSV file to submit.")
    Path csv;

    @Option(names = "--dry-run", description = "Publish DRY_RUN requests: every sink counts what it would erase and changes nothing.")
    boolean dryRun;

    @Option(names = "--validate-only", description = "Only validate the file locally; publish nothing.")
    boolean validateOnly;

    @Option(names = "--wait", description = "Follow erasure.completions until every request has its final record, then print the per-store summary.")
    boolean waitForCompletion;

    @Option(names = "--direct", description = "Publish straight to Kafka instead of through the ingest service "
            + "(identifiers sealed under per-request keys when erasurectl.keys.kek / ERASURECTL_KEYS_KEK is set).")
    boolean direct;

    @Option(names = "--reason", defaultValue = "INACTIVITY_PURGE",
            description = "Reason recorded in every request: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ErasureReason reason;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "--wait gives up after this long (ISO-8601, e.g. PT10M; default: erasurectl.wait.timeout).")
    Duration timeout;

    @Option(names = "--receipt", paramLabel = "FILE", description = "Write every submitted row as CSV (line,contributorId,requestId,status) "
            + "to FILE. The console lists at most " + SHOWN + " rows.")
    Path receipt;

    /** Rows listed on the console: a 10,000-row purge would otherwise bury the summary. */
    static final int SHOWN = 20;

    @Override
    public Integer call() {
        PrintStream out = root.out();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(csv);
        } catch (IOException e) {
            throw new CliException(ExitCode.INVALID_INPUT, "cannot read " + csv + " (" + e.getClass().getSimpleName() + ")");
        }
        Mode mode = dryRun ? Mode.DRY_RUN : Mode.EXECUTE;
        // Local check first (ingest checks again): a bad file never leaves the operator's machine.
        Intake intake = new CsvIntake(IntakeRules.defaults()).parse(bytes, mode, reason);
        if (intake instanceof Intake.Rejected r) {
            throw new CliException(ExitCode.INVALID_INPUT, "Invalid CSV " + csv.getFileName() + "; nothing was published:"
                    + System.lineSeparator() + "  " + String.join(System.lineSeparator() + "  ", r.messages()));
        }
        List<org.erasure.client.intake.ErasureItem> items = ((Intake.Accepted) intake).items();
        if (validateOnly) {
            out.println("Valid: " + items.size() + " rows; nothing was published (--validate-only).");
            return ExitCode.OK;
        }
        CliSettings s = root.settings();
        CompletionLog completions = null;
        Map<TopicPartition, Long> start = null;
        try {
            if (waitForCompletion) {
                // Snapshot before publishing: every final record of ours comes after it.
                completions = new CompletionLog(s.kafka(), s.topics().completions(), s.kafkaTimeout());
                start = completions.endOffsets();
            }
            if (receipt != null) {
                startReceipt();
            }
            List<Submitted> submitted = direct ? submitDirect(s, items, mode) : submitViaIngest(s, bytes, mode);
            long existing = submitted.stream().filter(Submitted::existing).count();
            out.println("Submitted " + submitted.size() + " erasure requests (" + (submitted.size() - existing) + " published, "
                    + existing + " already open), mode " + mode + (direct ? ", directly to Kafka" : ", through ingest"));
            for (Submitted x : submitted.subList(0, Math.min(SHOWN, submitted.size()))) {
                out.println("  line " + x.line() + "  contributor " + x.contributorId() + "  request " + x.requestId()
                        + (x.existing() ? "  (already open)" : ""));
            }
            if (receipt != null) {
                writeReceipt(submitted);
            }
            if (submitted.size() > SHOWN) {
                out.println("  ... and " + (submitted.size() - SHOWN) + " more rows"
                        + (receipt != null ? "; every row is in " + receipt : " (--receipt FILE lists every row)"));
            }
            if (keysLine != null) {
                out.println(keysLine);
            }
            if (!waitForCompletion) {
                return ExitCode.OK;
            }
            return await(s, completions, start, submitted);
        } finally {
            if (completions != null) {
                completions.close();
            }
        }
    }

    private static final String RECEIPT_HEADER = "line,contributorId,requestId,status" + System.lineSeparator();

    /** Before publishing: a receipt that cannot be written stops the run while nothing is published. */
    private void startReceipt() {
        try {
            Files.writeString(receipt, RECEIPT_HEADER);
        } catch (IOException e) {
            throw new CliException(ExitCode.INVALID_INPUT, "cannot write the receipt " + receipt + " ("
                    + e.getClass().getSimpleName() + "); nothing was published");
        }
    }

    private void writeReceipt(List<Submitted> submitted) {
        StringBuilder rows = new StringBuilder(RECEIPT_HEADER);
        for (Submitted x : submitted) {
            rows.append(x.line()).append(',').append(csvField(x.contributorId())).append(',').append(x.requestId())
                    .append(',').append(x.existing() ? "EXISTING" : "PUBLISHED").append(System.lineSeparator());
        }
        try {
            Files.writeString(receipt, rows);
        } catch (IOException e) {
            // Published already: say so, so nobody submits the file twice.
            throw new CliException(ExitCode.INTERNAL, "the " + submitted.size() + " requests were published, but the receipt "
                    + receipt + " could not be written (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String csvField(String v) {
        return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** Direct mode: the line saying whether the identifiers were sealed (through ingest, ingest decides). */
    private String keysLine;

    record Submitted(int line, String contributorId, UUID requestId, boolean existing) {}

    private List<Submitted> submitViaIngest(CliSettings s, byte[] bytes, Mode mode) {
        IngestClient client = new IngestClient(s.ingestUrl(), s.ingestToken(), s.ingestTimeout());
        JsonNode body = client.submitCsv(bytes, mode.name(), reason.name(), UUID.randomUUID());
        List<Submitted> list = new ArrayList<>();
        for (JsonNode r : body.path("requests")) {
            list.add(new Submitted(r.path("line").asInt(), r.path("contributorId").asText(),
                    UUID.fromString(r.path("requestId").asText()), "EXISTING".equals(r.path("status").asText())));
        }
        return list;
    }

    private List<Submitted> submitDirect(CliSettings s, List<org.erasure.client.intake.ErasureItem> items, Mode mode) {
        // The key store first: with a KEK, nothing is published unless every request's key was stored before it.
        try (CliKeys keys = CliKeys.open(s); RequestPublisher publisher = keys.applyTo(Direct.publisher(s))) {
            keysLine = keys.line(String.join(" and ", s.topics().requestLanes()));
            SubmissionResult result = Direct.submissions(s, publisher, root.clock())
                    .submit(items, IntakeError.Source.CSV, Direct.operator(root.env()), true);
            return switch (result) {
                case SubmissionResult.Rejected r -> throw new CliException(ExitCode.INVALID_INPUT,
                        "Rejected; nothing was published:" + System.lineSeparator() + "  "
                                + String.join(System.lineSeparator() + "  ", r.errors().stream().map(IntakeError::message).toList()));
                case SubmissionResult.Accepted a -> a.requests().stream()
                        .map(x -> new Submitted(x.position(), x.contributorId(), x.requestId(), x.existing())).toList();
                case SubmissionResult.Validated v -> List.of();
            };
        } catch (PublishException e) {
            throw new CliException(ExitCode.UNREACHABLE, e.getMessage());
        } catch (IdentifierResolver.ResolutionException e) {
            throw new CliException(ExitCode.UNREACHABLE, e.getMessage() + "; nothing was published");
        }
    }

    private int await(CliSettings s, CompletionLog completions, Map<TopicPartition, Long> start, List<Submitted> submitted) {
        Set<UUID> ids = new LinkedHashSet<>();
        submitted.forEach(x -> ids.add(x.requestId()));
        Duration limit = timeout != null ? timeout : s.duration("wait.timeout");
        Map<UUID, ErasureCompleted> found;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("Erasures").setInitialMax(ids.size())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(root.err(), 100)).build()) {
            found = completions.await(ids, start, Instant.now().plus(limit), bar::stepTo);
            bar.stepTo(found.size());
        }
        PrintStream out = root.out();
        out.println();
        StoreSummary.lines(found.values()).forEach(out::println);
        int code = ExitCode.OK;
        if (found.size() < ids.size()) {
            out.println("Still waiting for " + (ids.size() - found.size()) + " of " + ids.size() + " final records after " + limit
                    + "; follow them with 'erasurectl status REQUEST_ID'.");
            List<UUID> pending = ids.stream().filter(id -> !found.containsKey(id)).toList();
            pending.stream().limit(SHOWN).forEach(id -> out.println("  no final record yet: " + id));
            if (pending.size() > SHOWN) {
                out.println("  ... and " + (pending.size() - SHOWN) + " more" + (receipt != null ? " (request ids in " + receipt + ")" : ""));
            }
            code = ExitCode.ERASURE_FAILED;
        }
        if (found.values().stream().anyMatch(r -> r.outcome() == Outcome.FAILED || r.outcome() == Outcome.TIMED_OUT)) {
            code = ExitCode.ERASURE_FAILED;
        }
        return code;
    }
}
