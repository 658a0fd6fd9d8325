package io.switchboard.server.metrics;

/**
 * Metrics a component keeps itself (Socket.IO sessions, Engine.IO faults) and adds to
 * {@code /metrics} by registering with {@link Metrics#register}, so that this package does not
 * depend on the components.
 */
@FunctionalInterface
public interface MetricSource {
    /** Writes the component's metrics. */
    void write(Sink sink);

    /** Where a source writes. */
    interface Sink {
        /** Starts a metric: its name, Prometheus type ({@code gauge}, {@code counter}) and help text. */
        void header(String name, String type, String help);

        /** One sample of the metric; {@code labels} as {@code a="x",b="y"}, or {@code null}. */
        void sample(String name, String labels, long value);
    }
}
