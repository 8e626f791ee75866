package org.erasure.sink.runtime;

import java.util.List;
import org.erasure.events.PhaseCompleted;

/**
 * Makes {@code STARTED} write-ahead reports durable before the store changes anything. The Kafka
 * implementation sends them outside the sink's transaction (so a crash before the transaction
 * commits cannot take them back) and waits for the acknowledgements.
 */
@FunctionalInterface
public interface WriteAheadPublisher {

    /**
     * @throws org.erasure.sink.runtime.spi.StoreUnavailableException when they could not be made
     *         durable: the store must not apply the change (the runtime retries, then pauses)
     */
    void publish(List<PhaseCompleted> started);

    /** Drops them: only for tests of pure batch logic. */
    WriteAheadPublisher DISCARD = started -> { };
}
