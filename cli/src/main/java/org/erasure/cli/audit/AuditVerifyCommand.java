package org.erasure.cli.audit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.kafka.CompletionLog;
import org.erasure.events.integrity.ChainAudit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Read every record of erasure.completions and verify the hash chain of each partition",
                "(IntegrityChain: each record's hash covers its content and the previous record's hash).",
                "Prints the first broken link of each broken partition: partition, offset, requestId and the problem,",
                "and every (requestId, revision) written more than once."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:every partition's chain is intact", "3:Kafka unreachable",
                "5:the topic does not exist", "7:a chain is broken, a record is unreadable or a (requestId, revision) was written twice", "10:internal error"})
public final class AuditVerifyCommand implements Callable<Integer> {

    @ParentCommand
    AuditCommand audit;

    @Override
    public Integer call() {
        CliSettings s = audit.root.settings();
        var out = audit.root.out();
        String topic = s.topics().completions();
        try (CompletionLog log = new CompletionLog(s.kafka(), topic, s.kafkaTimeout())) {
            Map<Integer, Long> logStart = new TreeMap<>();
            log.beginningOffsets().forEach((tp, offset) -> logStart.put(tp.partition(), offset));
            Map<Integer, List<ChainAudit.Entry>> byPartition = new TreeMap<>();
            log.readAll().forEach((partition, entries) -> byPartition.put(partition, entries.stream()
                    .map(e -> new ChainAudit.Entry(e.offset(), null, e.event())).toList()));
            // The one audit (erasure-events), also behind the verifier's ChainAuditor.
            ChainAudit.Report report = ChainAudit.audit(topic, byPartition, logStart);
            report.lines().forEach(out::println);
            return report.ok() ? ExitCode.OK : ExitCode.INTEGRITY_BROKEN;
        }
    }
}
