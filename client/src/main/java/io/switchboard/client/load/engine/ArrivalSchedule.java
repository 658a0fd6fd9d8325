package io.switchboard.client.load.engine;

import io.switchboard.client.load.Arrivals;
import java.util.SplittableRandom;

/**
 * The intended send times of an open-loop request stream, as nanosecond offsets from the stage
 * start, for a rate that ramps linearly from {@code fromRate} to {@code toRate} over
 * {@code rampNanos} and then holds.
 *
 * <p>Times come from inverting the expected request count {@code N(t) = integral of rate}: the
 * i-th request of a constant stream is due when {@code N(t) = i}; a Poisson stream is the same
 * with {@code i} replaced by a running sum of unit exponential gaps (time rescaling), so both
 * follow the ramp exactly and a seeded Poisson stream repeats bit for bit. Offsets are computed
 * from the index, never accumulated, so they do not drift.
 */
public final class ArrivalSchedule {
    private final double r0;
    private final double r1;
    private final double rampSeconds;
    private final double countAtRampEnd;
    private final SplittableRandom random;
    private final double phase;
    private double u;
    private long index;

    /**
     * @param fromRate  requests/s at offset 0 (0 allowed when ramping up)
     * @param toRate    requests/s after the ramp, more than 0
     * @param rampNanos ramp length; 0 = constant {@code toRate} from the start
     * @param arrivals  constant or Poisson
     * @param seed      the Poisson seed (unused for constant arrivals)
     */
    public ArrivalSchedule(double fromRate, double toRate, long rampNanos, Arrivals arrivals, long seed) {
        this(fromRate, toRate, rampNanos, arrivals, seed, 0);
    }

    /**
     * Like the other constructor, with constant arrivals shifted by {@code phase} (0 to 1) of a
     * gap, so that several event loops sharing one constant rate interleave instead of sending
     * in lockstep.
     */
    public ArrivalSchedule(double fromRate, double toRate, long rampNanos, Arrivals arrivals, long seed, double phase) {
        if (!(toRate > 0) || fromRate < 0 || rampNanos < 0) {
            throw new IllegalArgumentException("rates " + fromRate + " -> " + toRate + " over " + rampNanos + " ns");
        }
        this.r1 = toRate;
        this.r0 = rampNanos == 0 ? toRate : fromRate;
        this.rampSeconds = rampNanos / 1e9;
        this.countAtRampEnd = (r0 + r1) / 2 * rampSeconds;
        this.random = arrivals == Arrivals.POISSON ? new SplittableRandom(seed) : null;
        this.phase = phase;
    }

    /** The offset of the next request, nanoseconds from the stage start; never decreases. */
    public long next() {
        if (random == null) {
            u = index + phase;
        } else {
            // Exp(1) by inversion; 1 - nextDouble() is in (0, 1], so the log is finite.
            u += -Math.log(1.0 - random.nextDouble());
        }
        index++;
        return Math.round(secondsAt(u) * 1e9);
    }

    /** How many requests have been handed out. */
    public long count() {
        return index;
    }

    /** The time in seconds at which the expected count reaches {@code count}. */
    double secondsAt(double count) {
        if (count <= countAtRampEnd && rampSeconds > 0) {
            double a = (r1 - r0) / (2 * rampSeconds);
            // Root of a t^2 + r0 t - count = 0 in the form that is stable for a -> 0 and a < 0.
            double disc = Math.max(0, r0 * r0 + 4 * a * count);
            double denom = r0 + Math.sqrt(disc);
            return denom == 0 ? 0 : 2 * count / denom;
        }
        return rampSeconds + (count - countAtRampEnd) / r1;
    }
}
