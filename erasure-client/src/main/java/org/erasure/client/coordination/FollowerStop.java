package org.erasure.client.coordination;

import org.apache.kafka.clients.consumer.Consumer;

/** How a thread that follows a topic is stopped (its flag already cleared): wake its waiters and its poll, give it 5 s. */
public final class FollowerStop {
    private FollowerStop() {}

    public static void stop(Object monitor, Consumer<?, ?> consumer, Thread follower) {
        synchronized (monitor) {
            monitor.notifyAll();
        }
        consumer.wakeup();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
