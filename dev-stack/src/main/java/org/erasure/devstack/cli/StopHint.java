package org.erasure.devstack.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The "how to stop me" line of a long-running command. SIGTERM ({@code kill PID}) always stops it
 * and runs the shutdown hooks. Ctrl-C (SIGINT) does the same, except in a process started in the
 * background by a non-interactive shell: that shell sets SIGINT to ignored, the JVM keeps it ignored
 * (as POSIX programs should, so Ctrl-C in the terminal does not reach background jobs), and the line
 * says so rather than promising a Ctrl-C that cannot work.
 */
public final class StopHint {

    /** The text a test or a supervisor can wait for once a command is up. */
    public static final String MARKER = "Stop with";

    private static final int SIGINT = 2;

    private StopHint() {}

    /** E.g. "Stop with Ctrl-C or `kill 1234` (SIGTERM): everything it started stops with it." */
    public static String line() {
        long pid = ProcessHandle.current().pid();
        return sigintIgnored()
                ? MARKER + " `kill " + pid + "` (SIGTERM): everything it started stops with it. "
                        + "(Ctrl-C/SIGINT is ignored: this process was started in the background.)"
                : MARKER + " Ctrl-C or `kill " + pid + "` (SIGTERM): everything it started stops with it.";
    }

    /** Linux: the SigIgn mask of /proc/self/status; elsewhere assume the default (not ignored). */
    static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
                    return (mask & (1L << (SIGINT - 1))) != 0;
                }
            }
        } catch (IOException | RuntimeException unknown) {
            // not Linux: no way to tell, and the default is that Ctrl-C works
        }
        return false;
    }
}
