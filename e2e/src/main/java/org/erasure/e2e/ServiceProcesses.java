package org.erasure.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The service processes of one job, stopped together. Register it with
 * {@code DevStack.closeBeforeServers} so every exit path (normal end, exception, SIGTERM, Ctrl-C)
 * stops the services first, while the servers they use are still up. Starting and closing exclude
 * each other, so a service started while a stop is under way is refused rather than left running.
 */
public final class ServiceProcesses implements AutoCloseable {

    private final List<ServiceProcess> started = new ArrayList<>();
    private boolean closed;

    /** {@link ServiceProcess#start}, unless the job is stopping. */
    public synchronized ServiceProcess start(String name, Path jar, String hocon, Path dir, List<String> jvmOptions) {
        if (closed) {
            throw new IllegalStateException("stopping: not starting " + name);
        }
        ServiceProcess service = ServiceProcess.start(name, jar, hocon, dir, jvmOptions);
        started.add(service);
        return service;
    }

    public synchronized List<ServiceProcess> all() {
        return List.copyOf(started);
    }

    /** SIGTERM to all at once, then waits (SIGKILL for any still running after 60 s). Idempotent. */
    @Override
    public void close() {
        List<ServiceProcess> toStop;
        synchronized (this) {
            closed = true;
            toStop = new ArrayList<>(started);
        }
        ServiceProcess.stopAll(toStop);
    }

    @Override
    public String toString() {
        return "services " + all().stream().map(ServiceProcess::name).toList();
    }
}
