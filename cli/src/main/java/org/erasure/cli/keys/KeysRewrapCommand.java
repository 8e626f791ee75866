package org.erasure.cli.keys;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyRotation;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.KeysSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Step 3 of a KEK rotation (erasure-keys/README.md, "Rotating the KEK"): every live key on the request keys topic and
 * the restoration keys topic that is wrapped by a previous KEK is rewrapped by the current one. Prints counts and KEK
 * ids only: never key material, never whose keys they are.
 */
@Command(name = "rewrap", mixinStandardHelpOptions = true,
        description = {"Rewrap every live key on the key topics (erasurectl.keys.topic.name, erasurectl.keys.restoration-topic)",
                "that a previous key-encryption key (erasurectl.keys.previous-keks) wrapped, with the current one (erasurectl.keys.kek):",
                "same data key, key id and creation time. A key shredded meanwhile by a sink or the verifier stays shredded.",
                "Keys wrapped by a key-encryption key this erasurectl does not have are left alone (exit 6)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every live key is under the current key-encryption key (a dry run: would be)", "1:usage or configuration error (no erasurectl.keys.kek)",
                "3:Kafka unreachable", "6:keys wrapped by a key-encryption key not configured here, or not unwrapping: left alone", "10:internal error"})
public final class KeysRewrapCommand implements Callable<Integer> {

    @ParentCommand
    KeysCommand keys;

    @Option(names = "--dry-run", description = "Count only; write nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        CliSettings s = keys.root.settings();
        PrintStream out = keys.root.out();
        KeysSettings settings = s.keys();
        if (settings.kek() == null) {
            throw new CliException(ExitCode.USAGE, "keys rewrap needs the current key-encryption key (erasurectl.keys.kek / ERASURECTL_KEYS_KEK)"
                    + " and the retired ones (erasurectl.keys.previous-keks / ERASURECTL_KEYS_PREVIOUS_KEKS)");
        }
        Envelope envelope = settings.envelope();
        out.println("Key-encryption keys: current " + envelope.currentKekId() + ", previous "
                + (settings.previousKeks().isEmpty() ? "none" : String.join(", ", envelope.kekIds().subList(1, envelope.kekIds().size())))
                + (dryRun ? " (dry run: nothing is written)" : ""));
        KeyTopic requests = settings.topic();
        KeyTopic restoration = new KeyTopic(s.string("keys.restoration-topic"), requests.partitions(), requests.replicationFactor(),
                requests.segment(), requests.maxCompactionLag(), requests.deleteRetention(), requests.fileDeleteDelay());
        List<String> problems = new ArrayList<>();
        for (KeyTopic topic : List.of(requests, restoration)) {
            if (!exists(s, topic.name())) {
                out.println(topic.name() + ": no such topic, nothing to rewrap");
                continue;
            }
            KeyRotation.Result r;
            try (KafkaKeyStore store = KafkaKeyStore.openForRotation(topic, s.kafka(), settings.timeout())) {
                r = KeyRotation.rewrapAll(envelope, store, dryRun);
            } catch (IllegalStateException e) {
                throw new CliException(ExitCode.UNREACHABLE, "key topic " + topic.name() + ": " + e.getMessage());
            }
            print(out, topic.name(), envelope.currentKekId(), r);
            if (!r.unknownKek().isEmpty()) {
                problems.add(topic.name() + ": " + r.unknownKekTotal() + " key(s) wrapped by key-encryption key(s) "
                        + String.join(", ", r.unknownKek().keySet()) + " that this erasurectl does not have were left as they are:"
                        + " add them to erasurectl.keys.previous-keks (ERASURECTL_KEYS_PREVIOUS_KEKS) and run again,"
                        + " and do not retire them from the services before that");
            }
            if (r.unreadable() > 0) {
                problems.add(topic.name() + ": " + r.unreadable() + " key(s) name a key-encryption key this erasurectl has but do not"
                        + " unwrap with it (another key under the same id, or changed bytes): left as they are; services cannot open them either");
            }
        }
        if (!problems.isEmpty()) {
            throw new CliException(ExitCode.REFUSED, String.join("\n", problems));
        }
        return ExitCode.OK;
    }

    private void print(PrintStream out, String topic, String current, KeyRotation.Result r) {
        out.println(topic + ":");
        out.println("  keys read: " + r.read());
        out.println("  already under " + current + ": " + r.alreadyCurrent());
        out.println("  " + (dryRun ? "to rewrap to " : "rewrapped to ") + current + ": " + r.rewrapped());
        out.println("  re-shredded after a concurrent shred (left shredded): " + r.shreddedMeanwhile());
        out.println("  replaced meanwhile by another key (that key kept): " + r.changedMeanwhile());
        out.println("  wrapped by a key-encryption key not configured here (left alone): " + r.unknownKekTotal()
                + (r.unknownKek().isEmpty() ? "" : " " + r.unknownKek()));
        out.println("  not unwrapping (left alone): " + r.unreadable());
        out.println("  put back over their shred by an interrupted rewrap, " + (dryRun ? "to shred again: " : "shredded again: ") + r.putBack());
    }

    private static boolean exists(CliSettings s, String topic) {
        try (Admin admin = Admin.create(s.kafka())) {
            return admin.listTopics().names().get(s.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS).contains(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNREACHABLE, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new CliException(ExitCode.UNREACHABLE, "Kafka (" + s.kafka().get("bootstrap.servers") + ") did not list its topics: "
                    + (e.getCause() != null ? e.getCause().getClass().getSimpleName() : "timeout after " + s.kafkaTimeout()));
        }
    }
}
