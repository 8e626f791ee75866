package org.erasure.cli.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.common.Times;
import org.erasure.cli.kafka.CompletionLog;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Phase;
import org.erasure.cli.report.StoreSummary;
import org.erasure.events.PhaseResult;
import org.erasure.events.serde.EventJson;
import org.erasure.client.intake.CsvReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export the final records of erasure.completions whose completedAt is in [--from, --to).",
                "csv: one line per record with per-store erased counts; json: the records as published;",
                "html: one self-contained page (no external resources) with per-store totals, outcomes and a per-day chart.",
                "Records hold no personal data beyond the contributor id (the subject is an HMAC digest)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:ok", "1:usage error", "3:Kafka unreachable",
                "5:the topic does not exist", "10:internal error"})
public final class AuditExportCommand implements Callable<Integer> {

    enum Format { csv, json, html }

    @ParentCommand
    AuditCommand audit;

    @Option(names = "--from", paramLabel = "TIME", required = true, converter = Times.class, description = "Start (inclusive), e.g. 2026-03-01.")
    Instant from;

    @Option(names = "--to", paramLabel = "TIME", required = true, converter = Times.class, description = "End (exclusive).")
    Instant to;

    @Option(names = "--format", required = true, description = "${COMPLETION-CANDIDATES}")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Output file (default: stdout).")
    Path out;

    @Override
    public Integer call() {
        if (!from.isBefore(to)) {
            throw new CliException(ExitCode.USAGE, "--from must be before --to");
        }
        CliSettings s = audit.root.settings();
        List<ErasureCompleted> records = new ArrayList<>();
        int unreadable = 0;
        try (CompletionLog log = new CompletionLog(s.kafka(), s.topics().completions(), s.kafkaTimeout())) {
            for (List<CompletionLog.Entry> entries : log.readAll().values()) {
                for (CompletionLog.Entry e : entries) {
                    if (e.event() == null) {
                        unreadable++;
                    } else if (!e.event().completedAt().isBefore(from) && e.event().completedAt().isBefore(to)) {
                        records.add(e.event());
                    }
                }
            }
        }
        records.sort(Comparator.comparing(ErasureCompleted::completedAt).thenComparing(r -> r.requestId().toString()));
        String text = switch (format) {
            case csv -> csv(records);
            case json -> json(records);
            case html -> HtmlReport.render(records, from, to, audit.root.clock().instant(), s.topics().completions());
        };
        if (out == null) {
            audit.root.out().print(text);
        } else {
            try {
                Files.writeString(out, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "cannot write " + out + " (" + e.getClass().getSimpleName() + ")");
            }
            audit.root.out().println("Exported " + records.size() + " records (" + from + " to " + to + ") as " + format + " to " + out);
        }
        if (unreadable > 0) {
            audit.root.err().println("warning: " + unreadable + " unreadable records skipped; run 'erasurectl audit verify'");
        }
        return ExitCode.OK;
    }

    static String csv(List<ErasureCompleted> records) {
        StringBuilder b = new StringBuilder("request_id,contributor_id,outcome,mode,revision,replay_of,requested_at,completed_at");
        java.util.SortedSet<Phase> phases = StoreSummary.phasesOf(records);
        for (Phase p : phases) {
            b.append(',').append(p.name().toLowerCase(Locale.ROOT)).append("_deleted,")
                    .append(p.name().toLowerCase(Locale.ROOT)).append("_masked");
        }
        b.append(",would_delete,would_mask,residual,failed_phases,missing_phases,subject_digest,hash\n");
        for (ErasureCompleted r : records) {
            b.append(r.requestId()).append(',').append(CsvReader.quote(r.contributorId())).append(',').append(r.outcome()).append(',')
                    .append(r.mode()).append(',').append(r.revision()).append(',').append(r.replayOf() == null ? "" : r.replayOf())
                    .append(',').append(r.requestedAt()).append(',').append(r.completedAt());
            for (Phase p : phases) {
                PhaseResult pr = r.phases().get(p);
                b.append(',').append(pr == null ? "" : pr.totals().deleted()).append(',').append(pr == null ? "" : pr.totals().masked());
            }
            b.append(',').append(r.totals().wouldDelete()).append(',').append(r.totals().wouldMask()).append(',').append(r.totals().residual())
                    .append(',').append(CsvReader.quote(String.join(" ", StoreSummary.failedPhases(r)))).append(',').append(CsvReader.quote(join(r.missingPhases())))
                    .append(',').append(r.subjectDigest() == null ? "" : r.subjectDigest()).append(',').append(r.hash() == null ? "" : r.hash()).append('\n');
        }
        return b.toString();
    }

    private static String join(java.util.Set<Phase> phases) {
        return String.join(" ", phases.stream().map(Phase::name).toList());
    }

    static String json(List<ErasureCompleted> records) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        records.forEach(r -> array.add(EventJson.toTree(r)));
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
