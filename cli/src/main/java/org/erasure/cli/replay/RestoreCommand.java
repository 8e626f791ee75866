package org.erasure.cli.replay;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.erasure.cli.ErasureCtl;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.ingest.IngestClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.RequestLane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code erasurectl restore REQUEST_ID...}: undoes erasures within the undo window. Publishes, per original, a request
 * with mode RESTORE and {@code replayOf} = the original (its identifiers copied, sealed like a replay's); each sink puts
 * back what it kept before erasing and reports RESTORED with counts; the verifier records a RESTORED revision of the
 * original. After the window (the sinks shredded the restoration keys) every sink fails it with RESTORATION_WINDOW_ENDED.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Undo erasures within the undo window (default 7 days; docs/privacy.md, \"Undo window\").",
                "Asks ingest (POST /v1/erasures/{id}/restore, a token with role admin), or with --direct reads each original on",
                "erasure.requests itself: either publishes a RESTORE request (new requestId, replayOf = the original)",
                "on the interactive lane. Sinks put back what they kept before erasing and report RESTORED with",
                "counts; the verifier records a RESTORED revision. Follow it with `erasurectl status NEW_ID`.",
                "Only an EXECUTE request can be restored. Sealed originals need erasurectl.keys.kek (ERASURECTL_KEYS_KEK)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:published", "1:usage error (not an EXECUTE request; a sealed request without the KEK)", "8:ingest refused the token",
                "3:Kafka or the key store unreachable (nothing published)", "5:a request id was not found on erasure.requests (nothing published)",
                "10:internal error"})
public final class RestoreCommand implements Callable<Integer> {

    @ParentCommand
    ErasureCtl root;

    @Parameters(paramLabel = "REQUEST_ID", arity = "1..*", description = "The erasure requests to undo.")
    List<UUID> requestIds;

    @Option(names = "--dry-run", description = "With --direct: show what would be restored; publish nothing.")
    boolean dryRun;

    @Option(names = "--direct", description = "Publish to Kafka from here (like replay) instead of asking ingest (role admin).")
    boolean direct;

    @Override
    public Integer call() {
        CliSettings s = root.settings();
        if (!direct) {
            if (dryRun) {
                throw new CliException(ExitCode.USAGE, "--dry-run goes with --direct");
            }
            IngestClient ingest = new IngestClient(s.ingestUrl(), s.ingestToken(), s.ingestTimeout());
            root.out().println("Restore requested through ingest for " + requestIds.size() + " erasures:");
            for (UUID id : new LinkedHashSet<>(requestIds)) {
                JsonNode answer = ingest.restore(id);
                root.out().println("  " + id + " -> " + answer.path("requestId").asText() + "  contributor " + answer.path("contributorId").asText());
            }
            root.out().println("Each sink reports RESTORED with the records it put back; follow with: erasurectl status <new id>");
            return ExitCode.OK;
        }
        List<ContributorErasureRequested> originals = ReplayCommand.byIds(root, s, new LinkedHashSet<>(requestIds));
        List<UUID> notErasures = originals.stream().filter(o -> o.mode() != Mode.EXECUTE).map(ContributorErasureRequested::requestId).toList();
        if (!notErasures.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "only an erasure (mode EXECUTE) can be restored; nothing was published: " + notErasures);
        }
        if (dryRun) {
            root.out().println("Would restore " + originals.size() + " erasures (dry run, nothing published):");
            originals.forEach(o -> root.out().println("  " + o.requestId() + "  contributor " + o.contributorId()));
            return ExitCode.OK;
        }
        // Undoing a wrong erasure is urgent for the person: the interactive lane, never behind a purge.
        ReplayCommand.Published published = ReplayCommand.publish(root, s, originals, Mode.RESTORE, "restore", RequestLane.INTERACTIVE);
        List<ReplayCommand.Replay> restores = published.replays();
        String keysLine = published.keysLine();
        root.out().println("Restore requested for " + restores.size() + " erasures on " + s.topics().requests() + " in one transaction:");
        for (ReplayCommand.Replay r : restores) {
            root.out().println("  " + r.request().replayOf() + " -> " + r.request().requestId() + "  contributor " + r.request().contributorId() + r.note());
        }
        root.out().println("Each sink reports RESTORED with the records it put back; follow with: erasurectl status <new id>");
        root.out().println(keysLine);
        return ExitCode.OK;
    }
}
