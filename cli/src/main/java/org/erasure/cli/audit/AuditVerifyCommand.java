package org.erasure.cli.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.kafka.CompletionLog;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.integrity.ChainVerification;
import org.erasure.events.integrity.IntegrityChain;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Read every record of erasure.completions and verify the hash chain of each partition",
                "(IntegrityChain: each record's hash covers its content and the previous record's hash).",
                "Prints the first broken link of each broken partition: partition, offset, requestId and the problem."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:every partition's chain is intact", "3:Kafka unreachable",
                "5:the topic does not exist", "7:a chain is broken (or a record is unreadable)", "10:internal error"})
public final class AuditVerifyCommand implements Callable<Integer> {

    @ParentCommand
    AuditCommand audit;

    @Override
    public Integer call() {
        CliSettings s = audit.root.settings();
        var out = audit.root.out();
        int records = 0;
        int broken = 0;
        try (CompletionLog log = new CompletionLog(s.kafka(), s.topics().completions(), s.kafkaTimeout())) {
            Map<TopicPartition, Long> beginning = log.beginningOffsets();
            Map<Integer, List<CompletionLog.Entry>> all = log.readAll();
            for (Map.Entry<Integer, List<CompletionLog.Entry>> p : all.entrySet()) {
                List<CompletionLog.Entry> entries = p.getValue();
                records += entries.size();
                CompletionLog.Entry unreadable = entries.stream().filter(e -> e.event() == null).findFirst().orElse(null);
                List<ErasureCompleted> chain = new ArrayList<>();
                for (CompletionLog.Entry e : entries) {
                    if (e.event() == null) {
                        break;
                    }
                    chain.add(e.event());
                }
                // Records before the log start were deleted by retention: the first kept record's link cannot be checked.
                boolean truncated = beginning.get(new TopicPartition(s.topics().completions(), p.getKey())) > 0;
                ChainVerification v = truncated && !chain.isEmpty()
                        ? IntegrityChain.verify(chain, chain.getFirst().previousHash())
                        : IntegrityChain.verify(chain);
                if (v instanceof ChainVerification.Broken b) {
                    CompletionLog.Entry at = entries.get(b.index());
                    out.println("partition " + p.getKey() + ": BROKEN at offset " + at.offset() + " (record " + (b.index() + 1) + " of "
                            + entries.size() + ", requestId " + chain.get(b.index()).requestId() + "): " + b.problem() + " - " + b.message());
                    broken++;
                } else if (unreadable != null) {
                    out.println("partition " + p.getKey() + ": BROKEN at offset " + unreadable.offset() + ": UNREADABLE - " + unreadable.problem());
                    broken++;
                } else {
                    out.println("partition " + p.getKey() + ": OK, " + entries.size() + " records"
                            + (truncated ? " (starts after retention; first link not checkable)" : ""));
                }
            }
            if (broken > 0) {
                out.println("Integrity chain BROKEN on " + broken + " of " + all.size() + " partitions (" + records + " records read).");
                return ExitCode.INTEGRITY_BROKEN;
            }
            out.println("Integrity chain intact: " + records + " records on " + all.size() + " partitions.");
            return ExitCode.OK;
        }
    }
}
