package org.erasure.ingest;

import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.erasure.ingest.config.IngestSettings;
import org.erasure.ingest.http.IngestApp;

/** {@code java -jar ingest.jar [--config FILE]}. Stops gracefully on SIGTERM / Ctrl-C. */
public final class IngestMain {

    private IngestMain() {}

    public static void main(String[] args) throws InterruptedException {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        usage("--config needs a file");
                    }
                    file = Path.of(args[++i]);
                }
                case "--help", "-h" -> {
                    System.out.println("Usage: java -jar ingest.jar [--config FILE]\n"
                            + "Configuration: FILE (HOCON/JSON/properties) over the defaults; every key can be overridden by an\n"
                            + "environment variable named after it, e.g. INGEST_KAFKA_BOOTSTRAP_SERVERS. See ingest/README.md.");
                    return;
                }
                default -> usage("unknown argument " + args[i]);
            }
        }
        IngestSettings settings;
        try {
            settings = IngestSettings.load(file, System.getenv());
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        IngestApp app = IngestApp.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "ingest-shutdown"));
        stopped.await();
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nUsage: java -jar ingest.jar [--config FILE]");
        System.exit(1);
    }
}
