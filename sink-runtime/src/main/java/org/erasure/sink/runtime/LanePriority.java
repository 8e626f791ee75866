package org.erasure.sink.runtime;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shared by the two lanes of one sink process: the interactive lane says when it has work (records
 * queued or in flight, or lag on its partitions); the bulk lane starts no new chunk meanwhile. A
 * bulk chunk already running finishes (its size is bounded by {@link BatchSizer}'s target), and
 * the interactive request runs beside it, on its own store instance.
 */
public final class LanePriority {
    private final AtomicBoolean interactiveBusy = new AtomicBoolean();

    public void interactiveBusy(boolean busy) {
        interactiveBusy.set(busy);
    }

    public boolean interactiveBusy() {
        return interactiveBusy.get();
    }
}
