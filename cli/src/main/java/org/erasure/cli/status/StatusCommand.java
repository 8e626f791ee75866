package org.erasure.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.erasure.cli.ErasureCtl;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.ingest.IngestClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the status of one request as the verifier knows it (through ingest: GET /v1/erasures/{id}).",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:found (the outcome is printed; it may still be in progress)", "1:usage error (not a UUID)", "3:ingest or verifier unreachable",
                "5:unknown request id", "8:token rejected", "10:internal error"})
public final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    ErasureCtl root;

    @Parameters(paramLabel = "REQUEST_ID", description = "The requestId (UUID) returned by submit.")
    String requestId;

    @Override
    public Integer call() throws Exception {
        UUID id;
        try {
            id = UUID.fromString(requestId);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "REQUEST_ID must be a UUID");
        }
        CliSettings s = root.settings();
        JsonNode status = new IngestClient(s.ingestUrl(), s.ingestToken(), s.ingestTimeout()).status(id);
        for (String field : new String[] {"requestId", "contributorId", "status", "outcome", "mode", "replayOf", "revision", "shreddedAt"}) {
            if (status.hasNonNull(field)) {
                root.out().println(field + ": " + status.get(field).asText());
            }
        }
        // Why a phase failed: its sink's error code, from the record (the message stays on the phase report).
        JsonNode phases = status.path("phases");
        phases.fieldNames().forEachRemaining(phase -> {
            JsonNode p = phases.get(phase);
            if ("FAILED".equals(p.path("status").asText())) {
                root.out().println("failed: " + phase + (p.hasNonNull("error") ? " " + p.get("error").asText() : ""));
            }
        });
                // A sealed request read after its key was shredded (or with a key that does not open): no digest in its record.
        if (status.hasNonNull("identifiersUnreadable")) {
            String code = status.get("identifiersUnreadable").asText();
            String why = switch (code) {
                case "KEY_SHREDDED" -> "the request's key was shredded before the verifier read it";
                case "KEY_UNREADABLE" -> "the request's key does not open its identifiers";
                default -> "the verifier could not read the request's identifiers";
            };
            root.out().println("identifiersUnreadable: " + code + " (" + why + ": the record has no subject digest)");
        }
        // A sealed request's key is shredded some time after its COMPLETED record (docs/privacy.md).
        if (!status.hasNonNull("shreddedAt") && status.hasNonNull("keysShredAfter")) {
            root.out().println("keys shred after: " + status.get("keysShredAfter").asText());
        }
        root.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
        return ExitCode.OK;
    }
}
