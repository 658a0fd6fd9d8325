/**
 * {@code switchboard-client load}: a load generator that measures honestly. This package is the
 * bottom of the load tool: the settings and their text forms, which every package below
 * {@code run} uses; {@code docs/architecture.md} draws the layers.
 *
 * <p>Where to start: {@link io.switchboard.client.load.LoadSettings} (what one stage runs, built
 * by the command line or a scenario file), {@link io.switchboard.client.load.run.LoadRun} (stages in
 * order, or a capacity search, then the checks) and the result model in {@code result}.
 *
 * <ul>
 *   <li>{@code engine}: runs a stage. Each event loop owns its share of the connections and of
 *       the schedule ({@code LoopWorker}, {@code OpenLoopScheduler}) and records into its own
 *       HdrHistogram {@code SingleWriterRecorder}s ({@code LoopMeter}); once a second the {@code StageRunner} merges the interval
 *       histograms (percentiles are never averaged).</li>
 *   <li>{@code workload}: the SPI a protocol implements ({@code Workload},
 *       {@code LoadConnection}, {@code ConnectionContext}) and one package per protocol ({@code engine.Workloads} picks one).</li>
 *   <li>{@code scenario} and {@code report}: YAML scenarios, threshold checks, and the terminal,
 *       JSON, HdrHistogram-log and HTML reports.</li>
 * </ul>
 *
 * <p>Every request has three times: intended (from the schedule), sent and completed. Latency is
 * intended to completed, so a stalled server or a stalled tool shows in the percentiles
 * (coordinated omission); service time is sent to completed; send lag, intended to sent, is the
 * tool's own health.
 */
package io.switchboard.client.load;
