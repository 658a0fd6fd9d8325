package io.switchboard.client.load.result;

/**
 * One probe of a capacity search ({@code --find-max-rate}).
 *
 * @param targetRate   the rate tried, requests/s
 * @param achievedRate what was completed, requests/s
 * @param p99Micros    intended-to-completed p99 at that rate
 * @param errors       failures during the probe
 * @param passed       whether the probe met the bound (p99 under it, no errors, rate achieved)
 */
public record CapacityPoint(double targetRate, double achievedRate, long p99Micros, long errors, boolean passed) {}
