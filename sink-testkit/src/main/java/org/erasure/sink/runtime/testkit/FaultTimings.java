package org.erasure.sink.runtime.testkit;

import java.time.Duration;

/**
 * Sizes and waits of the {@link SinkContract} fault scenarios; slow stores take a smaller, slower run.
 *
 * @param crashRequests requests sent in the crash scenario (the world holds 20 more, untouched)
 * @param delayBeforeCommit the child's window between the store erase and the Kafka commit
 * @param erasedBeforeKill erased contributors the store must show before the kill
 * @param retriesCountedInOutage whether the outage must show at least two store retries
 */
public record FaultTimings(int crashRequests, String delayBeforeCommit, int erasedBeforeKill, Duration killWithin,
                           Duration restartWithin, Duration backlogWithin, boolean retriesCountedInOutage) {

    public static final FaultTimings DEFAULT = new FaultTimings(300, "400ms", 60, Duration.ofSeconds(90),
            Duration.ofSeconds(120), Duration.ofSeconds(60), true);
}
