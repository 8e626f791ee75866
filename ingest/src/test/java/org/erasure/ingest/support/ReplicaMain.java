package org.erasure.ingest.support;

import org.erasure.ingest.IngestMain;

/**
 * {@link IngestMain} in a child JVM of a test: the same service, plus a watch on the test JVM so that
 * a test JVM killed with SIGKILL leaves no ingest behind (the e2e jobs use an agent for the same).
 */
public final class ReplicaMain {

    private ReplicaMain() {}

    public static void main(String[] args) throws InterruptedException {
        long parent = Long.parseLong(System.getProperty("ingest.replica.parent"));
        ProcessHandle.of(parent).ifPresentOrElse(
                p -> p.onExit().thenRun(ReplicaMain::exit),
                ReplicaMain::exit);
        IngestMain.main(args);
    }

    private static void exit() {
        // Not on the JDK's process reaper thread: System.exit runs the shutdown hooks and waits for them.
        new Thread(() -> System.exit(143), "exit-with-parent").start();
    }
}
