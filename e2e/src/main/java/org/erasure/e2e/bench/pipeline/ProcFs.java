package org.erasure.e2e.bench.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Resource readings of a Linux process from /proc: CPU time and peak resident set size. */
final class ProcFs {

    /** utime, stime, and the CPU time of children that exited and were waited for (cutime, cstime), in clock ticks. */
    record CpuTicks(long user, long system, long childrenUser, long childrenSystem) {
        long own() {
            return user + system;
        }

        long withReapedChildren() {
            return own() + childrenUser + childrenSystem;
        }
    }

    private static final long TICKS_PER_SECOND = clockTicks();

    private ProcFs() {}

    static double seconds(long ticks) {
        return (double) ticks / TICKS_PER_SECOND;
    }

    /** CPU ticks of a live process; null once it is gone. */
    static CpuTicks cpu(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        return stat == null ? null : parseStat(stat);
    }

    /** VmHWM (the peak resident set size) in bytes; -1 if the process is gone. */
    static long peakRssBytes(long pid) {
        String status = read(Path.of("/proc", Long.toString(pid), "status"));
        return status == null ? -1 : parseVmHwmBytes(status);
    }

    /** Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14. */
    static CpuTicks parseStat(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return new CpuTicks(Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]));
    }

    static long parseVmHwmBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * (parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024 : 1);
            }
        }
        return -1;
    }

    /** /proc/loadavg's first three fields. */
    static String loadAverage() {
        String load = read(Path.of("/proc/loadavg"));
        if (load == null) {
            return "unknown";
        }
        String[] f = load.trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    static long memTotalBytes() {
        String meminfo = read(Path.of("/proc/meminfo"));
        if (meminfo != null) {
            for (String line : meminfo.split("\n")) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        return -1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100; // USER_HZ on every mainstream Linux build
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
