package io.switchboard.client.load.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The whole {@link RunResult} as JSON, written key by key so that the names are stable and
 * documented (docs/load-testing.md, "JSON report") rather than whatever the records' accessors
 * happen to be called. Latencies are integer microseconds in objects whose key ends in
 * {@code _us}; rates are per second.
 */
final class JsonReport {
    /** Bumped when a key is renamed or removed; adding keys does not bump it. */
    static final String SCHEMA = "switchboard-load-report/1";
    /** Percentile curve resolution: HdrHistogram's default for its percentile output. */
    static final int TICKS_PER_HALF_DISTANCE = 5;

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonReport() {}

    static void write(RunResult run, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("schema", SCHEMA);
            g.writeStringField("tool", run.tool());
            g.writeStringField("started_at", run.startedAt().toString());
            g.writeBooleanField("passed", run.passed());
            g.writeObjectFieldStart("environment");
            for (Map.Entry<String, String> e : run.environment().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();

            g.writeArrayFieldStart("stages");
            for (StageResult s : run.stages()) {
                stage(g, s);
            }
            g.writeEndArray();

            g.writeObjectFieldStart("run");
            totals(g, Stats.totals(run.stages()));
            summary(g, "latency_us", Stats.merged(run.stages(), StageResult::latency));
            summary(g, "service_time_us", Stats.merged(run.stages(), StageResult::serviceTime));
            summary(g, "send_lag_us", Stats.merged(run.stages(), StageResult::sendLag));
            errors(g, Stats.errors(run.stages()));
            g.writeObjectFieldStart("counters");
            for (Map.Entry<String, Long> c : Stats.counters(run.stages()).entrySet()) {
                g.writeNumberField(c.getKey(), c.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();

            g.writeObjectFieldStart("capacity");
            number(g, "max_rate", run.maxRate());
            g.writeArrayFieldStart("points");
            for (CapacityPoint p : run.capacity()) {
                g.writeStartObject();
                number(g, "target_rate", p.targetRate());
                number(g, "achieved_rate", p.achievedRate());
                g.writeNumberField("p99_us", p.p99Micros());
                g.writeNumberField("errors", p.errors());
                g.writeBooleanField("passed", p.passed());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();

            g.writeArrayFieldStart("checks");
            for (CheckResult c : run.checks()) {
                g.writeStartObject();
                if (c.stage() == null) {
                    g.writeNullField("stage");
                } else {
                    g.writeStringField("stage", c.stage());
                }
                g.writeStringField("expression", c.expression());
                g.writeStringField("actual", c.actual());
                g.writeBooleanField("passed", c.passed());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void stage(JsonGenerator g, StageResult s) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", s.name());
        g.writeStringField("started_at", s.startedAt().toString());
        g.writeObjectFieldStart("settings");
        for (Map.Entry<String, Object> e : s.settings().entrySet()) {
            Object v = e.getValue();
            if (v instanceof Boolean b) {
                g.writeBooleanField(e.getKey(), b);
            } else if (v instanceof Integer || v instanceof Long || v instanceof Short) {
                g.writeNumberField(e.getKey(), ((Number) v).longValue());
            } else if (v instanceof Number n) {
                number(g, e.getKey(), n.doubleValue());
            } else if (v == null) {
                g.writeNullField(e.getKey());
            } else {
                g.writeStringField(e.getKey(), v.toString());
            }
        }
        g.writeEndObject();
        totals(g, s.totals());
        summary(g, "latency_us", s.latency());
        summary(g, "service_time_us", s.serviceTime());
        summary(g, "send_lag_us", s.sendLag());

        g.writeObjectFieldStart("distribution");
        distribution(g, "latency_us", s.latency());
        distribution(g, "service_time_us", s.serviceTime());
        g.writeEndObject();

        g.writeArrayFieldStart("intervals");
        for (Interval i : s.intervals()) {
            g.writeStartObject();
            g.writeNumberField("start_ms", i.startMillis());
            g.writeNumberField("end_ms", i.endMillis());
            g.writeBooleanField("warmup", i.warmup());
            g.writeNumberField("completed", i.completed());
            g.writeNumberField("errors", i.errors());
            number(g, "rate", i.rate());
            number(g, "target_rate", i.targetRate());
            g.writeNumberField("bytes_sent", i.bytesSent());
            g.writeNumberField("bytes_received", i.bytesReceived());
            g.writeNumberField("connections", i.connections());
            summary(g, "latency_us", i.latency());
            g.writeEndObject();
        }
        g.writeEndArray();

        errors(g, s.errors());
        g.writeObjectFieldStart("counters");
        for (Map.Entry<String, Long> c : new java.util.TreeMap<>(s.counters()).entrySet()) { // by name: stable output
            g.writeNumberField(c.getKey(), c.getValue());
        }
        g.writeEndObject();
        self(g, s.self());
        g.writeEndObject();
    }

    /** JSON has no NaN or infinity: a figure that could not be computed is null. */
    private static void number(JsonGenerator g, String key, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(key, value);
        } else {
            g.writeNullField(key);
        }
    }

    private static void totals(JsonGenerator g, Totals t) throws IOException {
        g.writeObjectFieldStart("totals");
        g.writeNumberField("completed", t.completed());
        g.writeNumberField("errors", t.errors());
        g.writeNumberField("timed_out", t.timedOut());
        g.writeNumberField("in_flight_at_end", t.inFlightAtEnd());
        g.writeNumberField("blocked", t.blocked());
        g.writeNumberField("bytes_sent", t.bytesSent());
        g.writeNumberField("bytes_received", t.bytesReceived());
        number(g, "seconds", t.seconds());
        number(g, "rate", t.rate());
        number(g, "bytes_per_second", t.bytesPerSecond());
        g.writeEndObject();
    }

    private static void summary(JsonGenerator g, String name, Histogram h) throws IOException {
        Stats.Summary s = Stats.Summary.of(h);
        g.writeObjectFieldStart(name);
        g.writeNumberField("count", s.count());
        g.writeNumberField("min", s.min());
        for (int i = 0; i < Stats.PERCENTILE_KEYS.length; i++) {
            g.writeNumberField(Stats.PERCENTILE_KEYS[i], s.percentiles()[i]);
        }
        g.writeNumberField("max", s.max());
        number(g, "mean", s.mean());
        number(g, "stddev", s.stddev());
        g.writeEndObject();
    }

    /** HdrHistogram's percentile curve: the points its percentile output and plotter use. */
    private static void distribution(JsonGenerator g, String name, Histogram h) throws IOException {
        g.writeArrayFieldStart(name);
        if (h != null && h.getTotalCount() > 0) {
            for (HistogramIterationValue v : h.percentiles(TICKS_PER_HALF_DISTANCE)) {
                g.writeStartObject();
                number(g, "percentile", v.getPercentileLevelIteratedTo());
                g.writeNumberField("value", h.highestEquivalentValue(v.getValueIteratedTo()));
                g.writeNumberField("count", v.getTotalCountToThisValue());
                g.writeEndObject();
            }
        }
        g.writeEndArray();
    }

    private static void errors(JsonGenerator g, Map<ErrorKind, Long> errors) throws IOException {
        g.writeObjectFieldStart("errors");
        for (ErrorKind kind : ErrorKind.values()) { // a stable order whatever map the engine used
            Long n = errors.get(kind);
            if (n != null) {
                g.writeNumberField(kind.key(), n);
            }
        }
        g.writeEndObject();
    }

    private static void self(JsonGenerator g, SelfCheck self) throws IOException {
        if (self == null) {
            g.writeNullField("self");
            return;
        }
        g.writeObjectFieldStart("self");
        number(g, "cpu_percent", self.cpuPercent());
        g.writeNumberField("available_cores", self.availableCores());
        number(g, "target_rate", self.targetRate());
        number(g, "achieved_rate", self.achievedRate());
        g.writeNumberField("send_lag_p99_us", self.sendLagP99Micros());
        g.writeNumberField("hiccup_max_us", self.hiccupMaxMicros());
        g.writeNumberField("hiccup_p99_us", self.hiccupP99Micros());
        g.writeNumberField("hiccup_resolution_us", self.hiccupResolutionMicros());
        number(g, "connections_needed", self.connectionsNeeded());
        g.writeBooleanField("tool_bound", self.toolBound());
        g.writeArrayFieldStart("findings");
        for (String f : self.findings()) {
            g.writeString(f);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
