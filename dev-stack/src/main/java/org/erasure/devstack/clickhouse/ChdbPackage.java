package org.erasure.devstack.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse engine of the dev-stack: {@code libchdb.so} from chDB's npm package (a complete
 * ClickHouse 26.7), downloaded once with {@code npm pack} into a cache outside the repository.
 *
 * <p>Cache root: system property {@value #DIR_PROPERTY}, else environment variable {@value #DIR_ENV},
 * else {@code ${XDG_CACHE_HOME:-~/.cache}/erasure-pipeline/chdb}; the package is unpacked into
 * {@code <root>/<version>/}.
 */
public final class ChdbPackage {

    public static final String NPM_PACKAGE = "@chdb/lib-linux-x64-gnu";
    public static final String VERSION = "26.7.3-stable.1";
    public static final String DIR_PROPERTY = "erasure.chdb.dir";
    public static final String DIR_ENV = "ERASURE_CHDB_DIR";

    private static final Logger LOG = LoggerFactory.getLogger(ChdbPackage.class);
    private static final String LIBRARY = "libchdb.so";

    private ChdbPackage() {}

    /** The cache root holding one directory per package version. */
    public static Path cacheRoot() {
        String dir = System.getProperty(DIR_PROPERTY, System.getenv(DIR_ENV));
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("erasure-pipeline").resolve("chdb").toAbsolutePath();
    }

    /** Path of {@code libchdb.so}, downloading the package first if it is not cached yet. */
    public static synchronized Path libchdb() {
        Path root = cacheRoot();
        Path target = root.resolve(VERSION);
        Path lib = target.resolve(LIBRARY);
        if (Files.isRegularFile(lib)) {
            return lib;
        }
        try {
            Files.createDirectories(root);
            // Another JVM (a parallel build) may be downloading: wait for it, then reuse its result.
            try (FileChannel lockFile = FileChannel.open(root.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (!Files.isRegularFile(lib)) {
                    download(root, target);
                }
            }
            return lib;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not provide " + NPM_PACKAGE + "@" + VERSION + " in " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /** Downloads and unpacks into a temporary directory, then moves into place in one step. */
    private static void download(Path root, Path target) throws IOException {
        // Leftovers of a killed download; safe to remove, as we hold the lock.
        try (Stream<Path> stale = Files.list(root)) {
            for (Path p : stale.filter(p -> p.getFileName().toString().startsWith(".download-")).toList()) {
                deleteRecursively(p);
            }
        }
        Path tmp = Files.createTempDirectory(root, ".download-");
        try {
            String spec = NPM_PACKAGE + "@" + VERSION;
            LOG.info("Downloading ClickHouse engine {} (~178 MB, once) into {}", spec, target);
            long started = System.nanoTime();
            // A private npm cache, deleted afterwards, so the 178 MB are not kept twice in ~/.npm.
            run(tmp, List.of("npm", "pack", "--silent", "--cache", tmp.resolve("npm-cache").toString(), spec),
                    "download");
            Path tgz;
            try (Stream<Path> files = Files.list(tmp)) {
                tgz = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                        .orElseThrow(() -> new IOException("npm pack produced no .tgz in " + tmp));
            }
            LOG.info("Downloaded {} MB in {} s, unpacking", Files.size(tgz) / 1_000_000, seconds(started));
            run(tmp, List.of("tar", "-xzf", tgz.toString()), "unpack");
            Path unpacked = tmp.resolve("package");
            if (!Files.isRegularFile(unpacked.resolve(LIBRARY))) {
                throw new IOException(spec + " has no " + LIBRARY);
            }
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("ClickHouse engine ready in {} s: {}", seconds(started), target.resolve(LIBRARY));
        } finally {
            deleteRecursively(tmp);
        }
    }

    private static void run(Path dir, List<String> command, String step) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (command.getFirst().equals("npm")) {
                throw new IOException("ClickHouse for the dev-stack comes from the npm package " + NPM_PACKAGE
                        + "@" + VERSION + " (libchdb.so), fetched with `npm pack`, but `npm` is not on the PATH. "
                        + "Install Node.js/npm (e.g. apt-get install npm), or unpack that package yourself into "
                        + cacheRoot().resolve(VERSION) + " (override the location with -D" + DIR_PROPERTY
                        + " or " + DIR_ENV + ").", e);
            }
            throw e;
        }
        process.getOutputStream().close();
        // Drain output on the side so a chatty tool can never block on a full pipe.
        var output = new java.io.ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try {
                process.getInputStream().transferTo(output);
            } catch (IOException ignored) {
                // process ended
            }
        });
        long started = System.nanoTime();
        try {
            while (!process.waitFor(10, TimeUnit.SECONDS)) {
                LOG.info("  {}: {} MB so far ({} s)", step, sizeOf(dir) / 1_000_000, seconds(started));
            }
            drain.join();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(step + " interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                    + output.toString().strip());
        }
    }

    private static long seconds(long startedNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1; // files come and go while npm works; progress is best effort
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
