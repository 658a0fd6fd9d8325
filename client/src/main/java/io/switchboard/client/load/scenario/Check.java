package io.switchboard.client.load.scenario;

import io.switchboard.client.load.ScenarioException;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.StageResult;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * One threshold check, parsed: {@code [stage:] metric op value[unit]}, for example
 * {@code p99 < 5ms}, {@code hold: service.p99.9 <= 2ms}, {@code errors.timeout == 0},
 * {@code rate >= 50000}, {@code error_rate < 0.1%}, {@code lost <= 10}.
 *
 * <p>Metrics (the full list is in {@code docs/load-testing.md}):
 * <ul>
 *   <li>latency statistics {@code pN} (any percentile, e.g. {@code p99.99}), {@code min},
 *       {@code max}, {@code mean}, {@code stddev}: intended-to-completed by default or with
 *       {@code latency.}, sent-to-completed with {@code service.}, intended-to-sent with
 *       {@code lag.}; they need a unit: {@code us}, {@code ms} or {@code s};
 *   <li>{@code rate}: completed requests per second (a plain number, {@code /s} allowed);
 *   <li>counts: {@code completed}, {@code errors}, {@code errors.<kind>} (kinds as in
 *       {@link ErrorKind#key()}), {@code timeouts}, {@code blocked}, {@code in_flight}, and any
 *       protocol counter by name ({@code lost}, {@code duplicated}, {@code missing}, ...);
 *   <li>percentages ({@code %} required): {@code error_rate} (errors over completed plus
 *       errors), {@code cpu} (the tool's CPU use, 100% = one core) and {@code achieved} (the
 *       achieved rate in percent of an open-loop stage's target rate);
 *   <li>the tool's own pauses: {@code hiccup.max}, {@code hiccup.p99} (a duration).
 * </ul>
 * Without a stage the check applies to the whole run: the stages' histograms are added (never
 * percentiles averaged) and their counts summed.
 */
public final class Check {
    private static final Set<String> STATS = Set.of("min", "max", "mean", "stddev");
    private static final Set<String> COUNTS = Set.of("completed", "errors", "timeouts", "blocked", "in_flight");
    private static final String LATENCY_STATS = "p50, p99.9 (any percentile), min, max, mean or stddev";

    /** What kind of number a metric is, which decides the units it takes and how it prints. */
    enum Kind { TIME, COUNT, RATE, PERCENT }

    /** Comparison operators. */
    enum Op {
        LE("<="), GE(">="), EQ("=="), NE("!="), LT("<"), GT(">");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        boolean test(double actual, double bound) {
            return switch (this) {
                case LT -> actual < bound;
                case LE -> actual <= bound;
                case GT -> actual > bound;
                case GE -> actual >= bound;
                case EQ -> actual == bound;
                case NE -> actual != bound;
            };
        }
    }

    /** A metric's value in a stage or the merged run, or the reason there is none. */
    record Measure(double value, String missing) {
        static Measure of(double value) {
            return new Measure(value, null);
        }

        static Measure none(String why) {
            return new Measure(Double.NaN, why);
        }
    }

    private final String scope;
    private final String expression;
    private final String metric;
    private final Kind kind;
    private final Op op;
    private final double bound;
    private final Function<Sample, Measure> measure;

    private Check(String scope, String expression, String metric, Kind kind, Op op, double bound,
            Function<Sample, Measure> measure) {
        this.scope = scope;
        this.expression = expression;
        this.metric = metric;
        this.kind = kind;
        this.op = op;
        this.bound = bound;
        this.measure = measure;
    }

    /** The stage this check is scoped to, or null for the whole run. */
    public String scope() {
        return scope;
    }

    /** The check without its scope, as written (trimmed). */
    public String expression() {
        return expression;
    }

    /** The metric name as written, e.g. {@code service.p99.9}. */
    public String metric() {
        return metric;
    }

    /** {@code stage: expression}, or the expression for a whole-run check. */
    @Override
    public String toString() {
        return scope == null ? expression : scope + ": " + expression;
    }

    /** Evaluates this check on its stage of {@code run}, or on the whole run. */
    public CheckResult evaluate(RunResult run) {
        Sample sample;
        if (scope == null) {
            if (run.stages().isEmpty()) {
                return new CheckResult(null, expression, "no stage ran", false);
            }
            sample = Sample.merged(run.stages());
        } else {
            StageResult stage = run.stages().stream().filter(s -> s.name().equals(scope)).findFirst().orElse(null);
            if (stage == null) {
                return new CheckResult(scope, expression, "stage did not run", false);
            }
            sample = Sample.of(stage);
        }
        Measure m = measure.apply(sample);
        if (m.missing() != null) {
            return new CheckResult(scope, expression, m.missing(), false);
        }
        return new CheckResult(scope, expression, format(kind, m.value()), op.test(m.value(), bound));
    }

    /** Formats a value of this kind the way reports show it. */
    static String format(Kind kind, double value) {
        return switch (kind) {
            case TIME -> Values.formatMicros(value);
            case COUNT -> Long.toString(Math.round(value));
            case RATE -> String.format(Locale.ROOT, "%.1f/s", value);
            case PERCENT -> String.format(Locale.ROOT, "%.2f%%", value);
        };
    }

    // ---- parsing ----------------------------------------------------------------------------

    /**
     * Parses a check.
     *
     * @throws IllegalArgumentException naming the expression and the column (1-based) of the
     *                                  problem, e.g. {@code check "p99 < fast": expected a number
     *                                  at column 7}
     */
    public static Check parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("check \"\": empty (expected e.g. p99 < 5ms)");
        }
        return new Parser(text).parse();
    }

    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        Check parse() {
            String scope = null;
            int colon = text.indexOf(':');
            if (colon >= 0) {
                scope = text.substring(0, colon).trim();
                if (!ScenarioParser.STAGE_NAME.matcher(scope).matches()) {
                    pos = skipSpace(0);
                    throw error("expected a stage name before ':' (letters, digits, '_', '.', '-')");
                }
                pos = colon + 1;
            }
            int exprStart = skipSpace(pos);
            pos = exprStart;
            int metricAt = pos;
            String metric = metricName();
            skip();
            Op op = operator();
            skip();
            int numberAt = pos;
            double number = number();
            skip();
            int unitAt = pos;
            String unit = unit();
            skip();
            if (pos < text.length()) {
                throw error("unexpected '" + text.substring(pos) + "'");
            }
            String expression = text.substring(exprStart).trim();
            return build(scope, expression, metric, metricAt, op, number, numberAt, unit, unitAt);
        }

        private Check build(String scope, String expression, String metric, int metricAt, Op op, double number,
                int numberAt, String unit, int unitAt) {
            String[] parts = metric.split("\\.", 2);
            String head = parts[0];
            String rest = parts.length > 1 ? parts[1] : null;
            Kind kind;
            Function<Sample, Measure> measure;
            switch (head) {
                case "latency", "service", "lag" -> {
                    if (rest == null) {
                        pos = metricAt + metric.length();
                        throw error(head + " needs a statistic, e.g. " + head + ".p99 (" + LATENCY_STATS + ")");
                    }
                    kind = Kind.TIME;
                    measure = latency(head, rest, metricAt + head.length() + 1);
                }
                case "hiccup" -> {
                    if (!"max".equals(rest) && !"p99".equals(rest)) {
                        pos = metricAt;
                        throw error("hiccup takes max or p99 (the tool's own pauses)");
                    }
                    kind = Kind.TIME;
                    measure = rest.equals("max") ? s -> Measure.of(s.hiccupMax) : s -> Measure.of(s.hiccupP99);
                }
                case "rate" -> {
                    noRest(metric, rest, metricAt);
                    kind = Kind.RATE;
                    measure = s -> s.seconds > 0 ? Measure.of(s.completed / s.seconds) : Measure.none("no measured time");
                }
                case "error_rate" -> {
                    noRest(metric, rest, metricAt);
                    kind = Kind.PERCENT;
                    measure = s -> s.completed + s.errors == 0 ? Measure.none("no requests")
                            : Measure.of(100.0 * s.errors / (s.completed + s.errors));
                }
                case "achieved" -> {
                    noRest(metric, rest, metricAt);
                    kind = Kind.PERCENT;
                    measure = s -> Double.isNaN(s.achieved) ? Measure.none("no target rate (closed loop)")
                            : Measure.of(s.achieved);
                }
                case "cpu" -> {
                    noRest(metric, rest, metricAt);
                    kind = Kind.PERCENT;
                    measure = s -> Double.isNaN(s.cpu) ? Measure.none("not measured") : Measure.of(s.cpu);
                }
                case "errors" -> {
                    kind = Kind.COUNT;
                    if (rest == null) {
                        measure = s -> Measure.of(s.errors);
                    } else {
                        ErrorKind errorKind = Arrays.stream(ErrorKind.values()).filter(k -> k.key().equals(rest))
                                .findFirst().orElse(null);
                        if (errorKind == null) {
                            pos = metricAt + "errors.".length();
                            throw error("unknown error kind '" + rest + "' (expected one of "
                                    + Arrays.stream(ErrorKind.values()).map(ErrorKind::key).collect(Collectors.joining(", ")) + ")");
                        }
                        measure = s -> Measure.of(s.errorsOf(errorKind));
                    }
                }
                case "completed", "timeouts", "blocked", "in_flight" -> {
                    noRest(metric, rest, metricAt);
                    kind = Kind.COUNT;
                    measure = switch (head) {
                        case "completed" -> s -> Measure.of(s.completed);
                        case "timeouts" -> s -> Measure.of(s.timedOut);
                        case "blocked" -> s -> Measure.of(s.blocked);
                        default -> s -> Measure.of(s.inFlight);
                    };
                }
                default -> {
                    if (head.matches("p\\d.*") || STATS.contains(head)) {
                        kind = Kind.TIME;
                        measure = latency("latency", metric, metricAt);
                    } else if (rest == null && head.matches("[a-z][a-z0-9_]*")) {
                        kind = Kind.COUNT;
                        measure = s -> s.counter(metric);
                    } else {
                        pos = metricAt;
                        throw error("unknown metric '" + metric + "' (expected a latency statistic such as p99, "
                                + "service.p99 or lag.p99, rate, errors, errors.<kind>, error_rate, timeouts, "
                                + "blocked, in_flight, completed, achieved, cpu, hiccup.max, or a counter such as lost)");
                    }
                }
            }
            double bound = bound(kind, metric, number, numberAt, unit, unitAt);
            return new Check(scope, expression, metric, kind, op, bound, measure);
        }

        private void noRest(String metric, String rest, int metricAt) {
            if (rest != null) {
                pos = metricAt + metric.indexOf('.');
                throw error("'" + metric.substring(0, metric.indexOf('.')) + "' has no '." + rest + "'");
            }
        }

        private Function<Sample, Measure> latency(String which, String stat, int statAt) {
            Function<Sample, Histogram> histogram = switch (which) {
                case "service" -> s -> s.service;
                case "lag" -> s -> s.lag;
                default -> s -> s.latency;
            };
            Function<Histogram, Double> read;
            if (STATS.contains(stat)) {
                read = switch (stat) {
                    case "min" -> h -> (double) h.getMinValue();
                    case "max" -> h -> (double) h.getMaxValue();
                    case "mean" -> Histogram::getMean;
                    default -> Histogram::getStdDeviation;
                };
            } else if (stat.matches("p\\d{1,2}(\\.\\d+)?|p100")) {
                double percentile = Double.parseDouble(stat.substring(1));
                if (percentile <= 0 || percentile > 100) {
                    pos = statAt;
                    throw error("a percentile is above 0 and at most 100, not " + stat.substring(1));
                }
                read = h -> (double) h.getValueAtPercentile(percentile);
            } else {
                pos = statAt;
                throw error("unknown latency statistic '" + stat + "' (expected " + LATENCY_STATS + ")");
            }
            return s -> {
                Histogram h = histogram.apply(s);
                return h == null || h.getTotalCount() == 0 ? Measure.none("no samples") : Measure.of(read.apply(h));
            };
        }

        private double bound(Kind kind, String metric, double number, int numberAt, String unit, int unitAt) {
            pos = unitAt;
            switch (kind) {
                case TIME -> {
                    if (unit.isEmpty()) {
                        if (number == 0) {
                            return 0;
                        }
                        throw error(metric + " is a time: give a unit (us, ms or s)");
                    }
                    return switch (unit) {
                        case "us" -> number;
                        case "ms" -> number * 1e3;
                        case "s" -> number * 1e6;
                        default -> throw error(metric + " is a time: the unit is us, ms or s, not '" + unit + "'");
                    };
                }
                case PERCENT -> {
                    if (!unit.equals("%")) {
                        throw error(metric + " is a percentage: write it with % (e.g. 1%)");
                    }
                    return number;
                }
                case RATE -> {
                    if (!unit.isEmpty() && !unit.equals("/s")) {
                        throw error("rate is requests per second: a plain number (or with /s), not '" + unit + "'");
                    }
                    return number;
                }
                default -> {
                    if (!unit.isEmpty()) {
                        throw error(metric + " is a count: it takes no unit");
                    }
                    if (number != Math.rint(number)) {
                        pos = numberAt;
                        throw error(metric + " is a count: expected a whole number");
                    }
                    return number;
                }
            }
        }

        private String metricName() {
            int start = pos;
            if (pos >= text.length() || !(Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')) {
                throw error("expected a metric such as p99, errors or rate");
            }
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (Character.isLetterOrDigit(c) || c == '_' || (c == '.' && pos + 1 < text.length()
                        && (Character.isLetterOrDigit(text.charAt(pos + 1)) || text.charAt(pos + 1) == '_'))) {
                    pos++;
                } else {
                    break;
                }
            }
            return text.substring(start, pos).toLowerCase(Locale.ROOT);
        }

        private Op operator() {
            for (Op op : Op.values()) { // two-character operators first
                if (text.startsWith(op.symbol, pos)) {
                    pos += op.symbol.length();
                    return op;
                }
            }
            if (text.startsWith("=", pos)) {
                throw error("'=' is not a comparison; use ==");
            }
            throw error("expected a comparison: <, <=, >, >=, == or !=");
        }

        private double number() {
            int start = pos;
            while (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos < text.length() && text.charAt(pos) == '.' && pos + 1 < text.length() && isAsciiDigit(text.charAt(pos + 1))) {
                pos++;
                while (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
                    pos++;
                }
            }
            if (pos == start) {
                throw error("expected a number");
            }
            return Double.parseDouble(text.substring(start, pos));
        }

        /** ASCII only: Character.isDigit takes other scripts' digits, which parseDouble refuses. */
        private static boolean isAsciiDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private String unit() {
            int start = pos;
            if (text.startsWith("/s", pos)) {
                pos += 2;
                return "/s";
            }
            if (text.startsWith("%", pos)) {
                pos++;
                return "%";
            }
            while (pos < text.length() && (Character.isLetter(text.charAt(pos)))) {
                pos++;
            }
            String unit = text.substring(start, pos);
            if (unit.equals("µs")) {
                return "us";
            }
            if (!unit.isEmpty() && !List.of("us", "ms", "s").contains(unit)) {
                pos = start;
                throw error("unknown unit '" + unit + "' (expected us, ms, s, % or /s)");
            }
            return unit;
        }

        private void skip() {
            pos = skipSpace(pos);
        }

        private int skipSpace(int from) {
            int p = from;
            while (p < text.length() && Character.isWhitespace(text.charAt(p))) {
                p++;
            }
            return p;
        }

        private IllegalArgumentException error(String what) {
            // quoted with escapes, so that a line break in the expression does not break the message
            return new IllegalArgumentException("check " + ScenarioException.quote(text) + ": " + what + " at column " + (pos + 1));
        }
    }
}
