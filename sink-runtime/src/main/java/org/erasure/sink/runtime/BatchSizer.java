package org.erasure.sink.runtime;

import java.time.Duration;

/**
 * Sizes the next chunk of requests by what the store took per request so far, so that one chunk
 * takes about {@code target} (well under the consumer's poll interval, and short enough that a
 * shutdown or a rebalance waits only that long). The per-request cost is an exponentially weighted
 * average; the size may at most double or halve from one chunk to the next, stays within
 * {@code [min, max]} and starts at {@code initial}. Fixed per-chunk costs make small chunks look
 * expensive per request; the doubling lets the size grow out of that.
 */
public final class BatchSizer {
    private static final double WEIGHT = 0.5;

    private final int min;
    private final int max;
    private final double targetSeconds;
    private double secondsPerItem = Double.NaN;
    private int current;

    public BatchSizer(int initial, int min, int max, Duration target) {
        if (min < 1 || max < min || initial < min || initial > max) {
            throw new IllegalArgumentException("need 1 <= min <= initial <= max (min " + min + ", initial " + initial + ", max " + max + ")");
        }
        if (target.isNegative() || target.isZero()) {
            throw new IllegalArgumentException("target duration must be positive");
        }
        this.min = min;
        this.max = max;
        this.targetSeconds = target.toNanos() / 1e9;
        this.current = initial;
    }

    /** How many requests the next chunk should hold. */
    public int next() {
        return current;
    }

    /** Records how long a chunk of {@code items} requests took, and resizes. */
    public void observe(int items, Duration took) {
        if (items < 1) {
            return;
        }
        double perItem = Math.max(took.toNanos() / 1e9, 1e-6) / items;
        secondsPerItem = Double.isNaN(secondsPerItem) ? perItem : WEIGHT * perItem + (1 - WEIGHT) * secondsPerItem;
        double ideal = targetSeconds / secondsPerItem;
        // Only grow when the chunk was full: a half-empty chunk says nothing about a bigger one.
        double upper = items >= current ? current * 2.0 : current;
        double lower = current / 2.0;
        long next = Math.round(Math.max(lower, Math.min(upper, ideal)));
        current = (int) Math.max(min, Math.min(max, next));
    }

    /** The measured cost per request in seconds (NaN before the first chunk). */
    public double secondsPerItem() {
        return secondsPerItem;
    }
}
