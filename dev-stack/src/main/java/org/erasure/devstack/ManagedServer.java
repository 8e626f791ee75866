package org.erasure.devstack;

import java.util.List;
import java.util.Map;

/**
 * One real server started by the dev-stack. Implementations start in their factory method and
 * stop in {@link #close()}; closing twice is harmless.
 */
public interface ManagedServer extends AutoCloseable {

    /** Short name: kafka, postgres, redis, s3, elasticsearch, clickhouse. */
    String name();

    /** The version the running server reports about itself (asked from the server, not hard-coded). */
    String version();

    /** Human-readable endpoints and credentials, in print order (e.g. "bootstrap" -> "127.0.0.1:9092"). */
    Map<String, String> endpoints();

    /** Operating-system processes of this server, so a later stack can stop them if this JVM is killed. */
    default List<ProcessHandle> processes() {
        return List.of();
    }

    @Override
    void close();
}
