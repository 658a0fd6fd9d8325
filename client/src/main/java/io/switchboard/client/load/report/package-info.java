/**
 * What a finished load run is turned into, all from a {@link io.switchboard.client.load.result.RunResult}:
 * start at {@link io.switchboard.client.load.report.Reports}, which prints the terminal summary and
 * writes the {@code --json}, {@code --hdr} (HdrHistogram interval log) and {@code --html} files.
 * The HTML page draws its charts as inline SVG ({@code SvgChart}) and fetches nothing. Every
 * run-wide figure adds the stages' histograms; no percentile is ever averaged.
 */
package io.switchboard.client.load.report;
