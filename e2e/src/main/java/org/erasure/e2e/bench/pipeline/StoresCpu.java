package org.erasure.e2e.bench.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.ManagedServer;

/**
 * CPU time spent by the dev-stack: the server processes (PostgreSQL with its backends, ClickHouse,
 * Redis) and this JVM, which hosts Kafka, Elasticsearch and s3proxy (and the benchmark's own
 * threads, a small share). Read from /proc as a difference of two snapshots.
 */
final class StoresCpu {

    private final DevStack stack;

    StoresCpu(DevStack stack) {
        this.stack = stack;
    }

    /** pid -> CPU ticks; a server's root process includes its exited, reaped children (PostgreSQL backends). */
    Map<Long, Long> snapshot() {
        Map<Long, Long> ticks = new HashMap<>();
        ProcFs.CpuTicks self = ProcFs.cpu(ProcessHandle.current().pid());
        if (self != null) {
            ticks.put(ProcessHandle.current().pid(), self.own()); // not its children: the services are those
        }
        for (ManagedServer server : stack.running()) {
            for (ProcessHandle root : server.processes()) {
                ProcFs.CpuTicks r = ProcFs.cpu(root.pid());
                if (r != null) {
                    ticks.put(root.pid(), r.withReapedChildren());
                }
                List<ProcessHandle> descendants = new ArrayList<>(root.descendants().toList());
                for (ProcessHandle d : descendants) {
                    ProcFs.CpuTicks c = ProcFs.cpu(d.pid());
                    if (c != null) {
                        ticks.put(d.pid(), c.withReapedChildren());
                    }
                }
            }
        }
        return ticks;
    }

    static double secondsBetween(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return ProcFs.seconds(sum);
    }
}
