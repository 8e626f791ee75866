package org.erasure.e2e;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A Java agent ({@code -javaagent:exit-with-parent.jar=<pid>}) that stops the service it is loaded
 * into when the process that started it is gone, even after {@code kill -9}, which runs no shutdown
 * hook: without it a service of the main job would outlive the job and retry forever against servers
 * that died with it. The service's own shutdown hooks run (System.exit), bounded by a grace period,
 * since a hook may wait for a broker that is already gone. The service's command line, jar and
 * classpath stay as in production; only this agent is added.
 */
public final class ExitWithParent {

    static final Duration GRACE = Duration.ofSeconds(30);

    private ExitWithParent() {}

    public static void premain(String parentPid) {
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(parentPid.strip()));
        if (parent.isEmpty()) {
            stop(parentPid);
            return;
        }
        // onExit of a non-child polls in a JDK thread; ours only waits for it.
        parent.get().onExit().thenRun(() -> stop(parentPid));
    }

    private static void stop(String parentPid) {
        System.err.println("exit-with-parent: process " + parentPid + " that started this service is gone; stopping");
        System.err.flush();
        Thread halt = new Thread(() -> {
            long deadline = System.nanoTime() + GRACE.toNanos();
            while (System.nanoTime() < deadline) {
                LockSupport.parkNanos(deadline - System.nanoTime());
            }
            Runtime.getRuntime().halt(143);
        }, "exit-with-parent-halt");
        halt.setDaemon(true);
        halt.start();
        new Thread(() -> System.exit(143), "exit-with-parent").start(); // not on the JDK's reaper thread
    }
}
