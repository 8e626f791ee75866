package org.erasure.verifier;

import com.typesafe.config.ConfigException;
import java.io.File;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.status.StatusPageConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar verifier.jar --config verifier.conf}. Stops gracefully on SIGTERM/SIGINT. */
@Command(name = "verifier", mixinStandardHelpOptions = true,
        description = "Joins erasure requests and phase completions into hash-chained ErasureCompleted records.")
public final class VerifierMain implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(VerifierMain.class);

    @Option(names = "--config", paramLabel = "FILE",
            description = "HOCON file over the built-in defaults; VERIFIER_* environment variables override both.")
    File config;

    public static void main(String[] args) {
        System.exit(new CommandLine(new VerifierMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        VerifierConfig cfg;
        StatusPageConfig page;
        try {
            cfg = VerifierConfig.load(config);
            page = StatusPageConfig.load(config);
        } catch (ConfigException e) {
            log.error("Configuration error, not starting: {}", e.getMessage());
            return 2;
        }
        VerifierService service = VerifierService.start(cfg, page);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutdown requested");
            service.close();
        }, "verifier-shutdown"));
        service.awaitTermination();
        boolean failed = service.streams().state() == KafkaStreams.State.ERROR;
        if (failed) {
            log.error("Kafka Streams failed; exiting");
            service.close();
        }
        return failed ? 1 : 0;
    }
}
