package org.erasure.devstack.junit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For tests that start a long-running command (dev-stack up, the main job) in a child process and
 * check that stopping it leaves nothing behind: every process it started, and the ports it printed.
 */
public final class ProcessTree {

    private static final Pattern LOOPBACK_PORT = Pattern.compile("(?:127\\.0\\.0\\.1|localhost):(\\d{2,5})");

    private ProcessTree() {}

    /**
     * The descendants of {@code command}, plus processes whose command line names {@code stackDir}:
     * PostgreSQL daemonizes (pg_ctl), so its server is no descendant of the JVM that started it.
     */
    public static List<ProcessHandle> startedBy(Process command, Path stackDir) {
        List<ProcessHandle> started = new ArrayList<>(command.descendants().toList());
        String dir = stackDir.toAbsolutePath().toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != command.pid() && !started.contains(p))
                .filter(p -> p.info().commandLine().orElse("").contains(dir))
                .forEach(started::add);
        return started;
    }

    /** A process and its command line, for assertion messages. */
    public static String describe(ProcessHandle p) {
        return p.pid() + " " + p.info().commandLine().orElse(p.info().command().orElse("?"));
    }

    /** Every {@code 127.0.0.1:PORT} and {@code localhost:PORT} in a command's output (its printed endpoints). */
    public static SortedSet<Integer> loopbackPorts(String printed) {
        SortedSet<Integer> ports = new TreeSet<>();
        Matcher m = LOOPBACK_PORT.matcher(printed);
        while (m.find()) {
            ports.add(Integer.parseInt(m.group(1)));
        }
        return ports;
    }

    /** Whether something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** SIGTERM, as a supervisor ({@code kill PID}, systemd, Kubernetes) stops a process. */
    public static void sigterm(Process process) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill -TERM " + process.pid() + " exited with " + exit);
        }
    }
}
