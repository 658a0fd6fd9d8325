/**
 * What a load run measured, as plain immutable values: the seam between the engine that
 * measures ({@code io.switchboard.client.load}) and everything that reads the numbers
 * (terminal summary, JSON, HdrHistogram log, HTML report, threshold checks).
 *
 * <p>All latencies are in microseconds. Histograms are owned by the record that holds them;
 * readers must not mutate them.
 */
package io.switchboard.client.load.result;
