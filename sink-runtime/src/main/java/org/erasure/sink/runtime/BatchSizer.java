package org.erasure.sink.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Sizes the next chunk of requests by what the store took so far, so that one chunk takes about
 * {@code target} (short enough that a shutdown or a rebalance waits only that long). A chunk's time
 * is modelled as a fixed part plus a part per request, fitted (least squares) over the last
 * {@value #WINDOW} chunks: a ClickHouse mutation rewrites its table, a Redis SCAN pass or an S3
 * bucket listing reads everything, whatever the chunk holds. Where the fixed part alone exceeds the
 * target, smaller chunks cannot meet it and only multiply that cost, so the size grows instead (the
 * store work runs off the consumer thread: a long chunk costs no group membership); where it is over
 * half the target, the chunk holds enough requests that the fixed part is at most half its time (up
 * to twice the target). The size may at
 * most double or halve from one chunk to the next, stays within {@code [min, max]} and starts at
 * {@code initial}. Until two chunks of different sizes are known, the whole time counts per request.
 */
public final class BatchSizer {
    static final int WINDOW = 8;

    private final int min;
    private final int max;
    private final double targetSeconds;
    private final Deque<double[]> recent = new ArrayDeque<>(); // {requests, seconds}
    private double secondsPerItem = Double.NaN;
    private double fixedSeconds = Double.NaN;
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
        recent.addLast(new double[] {items, Math.max(took.toNanos() / 1e9, 1e-6)});
        if (recent.size() > WINDOW) {
            recent.removeFirst();
        }
        fit();
        // The fixed part never takes more than half a chunk: sizing to the target alone left ClickHouse
        // at M (7.5 s per chunk + 14 ms per request) at 176 requests per chunk, three quarters fixed cost.
        double ideal = fixedSeconds >= targetSeconds ? max
                : secondsPerItem <= 0 ? Double.MAX_VALUE
                : Math.max(targetSeconds - fixedSeconds, fixedSeconds) / secondsPerItem;
        // Only grow when the chunk was full: a half-empty chunk says nothing about a bigger one.
        double upper = items >= current ? current * 2.0 : current;
        double lower = current / 2.0;
        long next = Math.round(Math.max(lower, Math.min(upper, ideal)));
        current = (int) Math.max(min, Math.min(max, next));
    }

    /** Least squares of seconds over requests; with one size seen, everything counts per request. */
    private void fit() {
        double n = recent.size();
        double sx = 0, sy = 0;
        for (double[] o : recent) {
            sx += o[0];
            sy += o[1];
        }
        double mx = sx / n;
        double my = sy / n;
        double sxx = 0, sxy = 0;
        for (double[] o : recent) {
            sxx += (o[0] - mx) * (o[0] - mx);
            sxy += (o[0] - mx) * (o[1] - my);
        }
        if (sxx < 1e-9 * Math.max(1, mx * mx)) {
            fixedSeconds = 0;
            secondsPerItem = my / mx;
            return;
        }
        double slope = Math.max(0, sxy / sxx); // larger chunks not slower: the cost is fixed
        double intercept = my - slope * mx;
        if (intercept < 0) { // noise can push the line below the origin: then it is all per request
            intercept = 0;
            slope = sy / sx;
        }
        fixedSeconds = intercept;
        secondsPerItem = slope;
    }

    /** The fitted store seconds per request (NaN before the first chunk). */
    public double secondsPerItem() {
        return secondsPerItem;
    }

    /** The fitted store seconds per chunk whatever its size (NaN before the first chunk). */
    public double fixedSeconds() {
        return fixedSeconds;
    }
}
