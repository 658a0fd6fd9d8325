package io.switchboard.client.load.engine;

/**
 * The timing of one stage as one event loop runs it, all in absolute {@link Clock} nanoseconds.
 *
 * @param start         when the stage starts (warm-up included)
 * @param measuredFrom  when the warm-up ends
 * @param stopAt        when sending stops; {@link Long#MAX_VALUE} for a stage bounded only by
 *                      its request count
 * @param rampUpNanos   connections open evenly over this time from {@code start}
 * @param timeoutNanos  a request in flight longer than this times out
 * @param pipeline      requests in flight per connection
 * @param closedBudget  closed loop: measured requests this loop may send, 0 = unlimited
 * @param schedule      open loop: this loop's arrivals, or null in closed loop
 * @param openBudget    open loop: measured requests this loop schedules, 0 = unlimited
 * @param connectIsRequest  each connection opened is the measured request (connection scale):
 *                      latency from its scheduled open time to its handshake's end
 */
public record StagePlan(
        long start,
        long measuredFrom,
        long stopAt,
        long rampUpNanos,
        long timeoutNanos,
        int pipeline,
        long closedBudget,
        ArrivalSchedule schedule,
        long openBudget,
        boolean connectIsRequest) {

    public boolean openLoop() {
        return schedule != null;
    }
}
