package org.erasure.devstack.clickhouse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process that hosts a ClickHouse server out of libchdb (chDB's npm package), started by
 * {@code ClickHouseServer}: {@code ChdbHost <libchdb.so> <workDir> <httpPort> <tcpPort>}.
 *
 * <p>chDB has no server entry point, but its clickhouse-local command line can start the HTTP and
 * native listeners and then run a query that never ends; the server lives as long as that query.
 * The query blocks reading a FIFO that this process itself holds open for writing, so it never
 * sees EOF and costs no CPU. ClickHouse installs its own signal handlers, hence its own process.
 * Only the JDK 22 FFM API is used; Java 21 code must never reference this class.
 */
public final class ChdbHost {

    /** The FIFO's write end: kept open for the life of the process so the blocking read never ends. */
    @SuppressWarnings("unused")
    private static RandomAccessFile fifoWriter;

    private ChdbHost() {}

    public static void main(String[] args) throws Throwable {
        if (args.length != 4) {
            System.err.println("usage: ChdbHost <libchdb.so> <workDir> <httpPort> <tcpPort>");
            System.exit(2);
        }
        Path lib = Path.of(args[0]);
        Path workDir = Path.of(args[1]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[2]);
        int tcpPort = Integer.parseInt(args[3]);

        exitWhenParentGoes();

        Path dataDir = Files.createDirectories(workDir.resolve("data"));
        Path fifo = workDir.resolve("block.fifo");
        makeFifo(fifo);
        // O_RDWR on a FIFO does not block, and with a writer open the reader never gets EOF.
        fifoWriter = new RandomAccessFile(fifo.toFile(), "rw");

        String query = "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; "
                + "SELECT count() FROM file('" + fifo + "', 'LineAsString') "
                + "SETTINGS max_threads = 1, max_execution_time = 0";
        List<String> argv = List.of(
                "clickhouse",
                "--path=" + dataDir,
                "--listen_host=127.0.0.1", // no authentication: loopback only
                "--http_port=" + httpPort,
                "--tcp_port=" + tcpPort,
                "--query=" + query);

        Arena arena = Arena.global();
        SymbolLookup chdb = SymbolLookup.libraryLookup(lib, arena);
        Linker linker = Linker.nativeLinker();
        // chdb_result * chdb_query_cmdline(int argc, char ** argv)
        MethodHandle queryCmdline = linker.downcallHandle(
                chdb.find("chdb_query_cmdline").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
        // const char * chdb_result_error(chdb_result * result)
        MethodHandle resultError = linker.downcallHandle(
                chdb.find("chdb_result_error").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS));

        MemorySegment cArgv = arena.allocate(ADDRESS, argv.size() + 1); // NULL-terminated, like main()
        for (int i = 0; i < argv.size(); i++) {
            cArgv.setAtIndex(ADDRESS, i, arena.allocateFrom(argv.get(i)));
        }
        System.err.println("ChdbHost: starting ClickHouse (http " + httpPort + ", tcp " + tcpPort + ")");

        // Returns only if the server query fails (e.g. a port is taken).
        MemorySegment result = (MemorySegment) queryCmdline.invokeExact(argv.size(), cArgv);
        String error = "no result";
        if (!result.equals(MemorySegment.NULL)) {
            MemorySegment message = (MemorySegment) resultError.invokeExact(result);
            error = message.equals(MemorySegment.NULL)
                    ? "server query ended (see ClickHouse output above)"
                    : message.reinterpret(Long.MAX_VALUE).getString(0);
        }
        System.err.println("ChdbHost: ClickHouse stopped: " + error);
        System.err.flush();
        exitNow(1);
    }

    /**
     * The parent keeps our stdin pipe open for as long as it lives; EOF means it is gone (even after
     * kill -9), so no orphaned server survives it.
     */
    private static void exitWhenParentGoes() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // ignore anything written to us
                }
            } catch (IOException ignored) {
                // treat like EOF
            }
            System.err.println("ChdbHost: parent gone (stdin closed), exiting");
            System.err.flush();
            exitNow(0);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * libc {@code _exit}: skips atexit handlers and static destructors, where ClickHouse's shutdown
     * takes seconds and could hang. Nothing to lose here: a dev server whose owner is already gone.
     */
    private static void exitNow(int status) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle exit = linker.downcallHandle(
                    linker.defaultLookup().find("_exit").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_INT));
            exit.invokeExact(status);
        } catch (Throwable e) {
            Runtime.getRuntime().halt(status);
        }
    }

    private static void makeFifo(Path fifo) throws IOException, InterruptedException {
        Files.deleteIfExists(fifo);
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                .redirectErrorStream(true).start();
        String out = new String(mkfifo.getInputStream().readAllBytes());
        if (mkfifo.waitFor() != 0) {
            throw new IOException("mkfifo " + fifo + " failed: " + out);
        }
    }
}
