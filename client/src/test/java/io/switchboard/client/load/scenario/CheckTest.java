package io.switchboard.client.load.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.report.SyntheticRun;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.StageResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The check language over exactly known histograms: stage {@code a} holds the latencies 1..1000 us
 * (service time (v+1)/2, send lag v/10), stage {@code b} 1..2000 us; all below 2048 so that
 * HdrHistogram's 3 significant digits hold them exactly.
 */
@Timeout(30)
class CheckTest {
    private static final StageResult A = SyntheticRun.uniform("a", 1000,
            Map.of(ErrorKind.TIMEOUT, 3L, ErrorKind.RESET, 2L), Map.of("lost", 4L, "duplicated", 0L));
    private static final StageResult B = SyntheticRun.uniform("b", 2000, Map.of(), Map.of("lost", 6L));
    private static final RunResult RUN = new RunResult("t", SyntheticRun.START, Map.of(), List.of(A, B), List.of(), 0, List.of());

    private static CheckResult eval(String expression) {
        return Check.parse(expression).evaluate(RUN);
    }

    @ParameterizedTest(name = "{0} -> {1} ({2})")
    @CsvSource(delimiter = '|', textBlock = """
            a: p50 == 500us            | true  | 500us
            a: p90 == 900us            | true  | 900us
            a: p99 == 990us            | true  | 990us
            a: p99.9 == 999us          | true  | 999us
            a: p99.99 == 1ms           | true  | 1.00ms
            a: p100 == 1000us          | true  | 1.00ms
            a: max == 1ms              | true  | 1.00ms
            a: min == 1us              | true  | 1us
            a: mean == 500.5us         | true  | 500.5us
            a: stddev < 289us          | true  | 288.7us
            a: stddev > 288us          | true  | 288.7us
            a: latency.p99 == 990us    | true  | 990us
            a: service.max == 500us    | true  | 500us
            a: service.p50 <= 250us    | true  | 250us
            a: lag.p99 == 99us         | true  | 99us
            a: lag.max < 100us         | false | 100us
            a: p99 < 990us             | false | 990us
            a: p99 <= 990us            | true  | 990us
            a: p99 > 990us             | false | 990us
            a: p99 >= 990us            | true  | 990us
            a: p99 != 990us            | false | 990us
            a: p99 != 991us            | true  | 990us
            a: p99 < 0.99ms            | false | 990us
            a: p99 < 0.991ms           | true  | 990us
            a: p99 < 1ms               | true  | 990us
            a: p99 < 0.001s            | true  | 990us
            a: p99 < 991µs             | true  | 990us
            a: p99<1ms                 | true  | 990us
            a:p99   <   1 ms           | true  | 990us
            a: P99 < 1ms               | true  | 990us
            a: rate == 1000            | true  | 1000.0/s
            a: rate >= 1000/s          | true  | 1000.0/s
            a: rate > 1000             | false | 1000.0/s
            a: completed == 1000       | true  | 1000
            a: errors == 5             | true  | 5
            a: errors == 0             | false | 5
            a: errors.timeout == 3     | true  | 3
            a: errors.reset == 2       | true  | 2
            a: errors.wrong_echo == 0  | true  | 0
            a: timeouts == 3           | true  | 3
            a: blocked == 5            | true  | 5
            a: in_flight == 2          | true  | 2
            a: error_rate < 0.4975%    | false  | 0.50%
            a: error_rate <= 0.4976%   | true  | 0.50%
            a: cpu < 60%               | true  | 55.00%
            a: hiccup.max < 1ms        | true  | 900us
            a: hiccup.p99 == 120us     | true  | 120us
            a: lost <= 10              | true  | 4
            a: duplicated == 0         | true  | 0
            a: missing == 0            | false | not measured
            b: p99 == 1980us           | true  | 1.98ms
            p99 == 1970us              | true  | 1.97ms
            max == 2ms                 | true  | 2.00ms
            rate == 1500               | true  | 1500.0/s
            errors == 5                | true  | 5
            errors.timeout == 3        | true  | 3
            lost == 10                 | true  | 10
            completed == 3000          | true  | 3000
            c: p99 < 1s                | false | stage did not run
            """)
    void evaluates(String expression, boolean passes, String actual) {
        CheckResult r = eval(expression);
        assertEquals(actual, r.actual(), expression);
        assertEquals(passes, r.passed(), expression + " with actual " + r.actual());
    }

    @Test
    void theWholeRunMergesHistogramsNotPercentiles() {
        // stages' p99 are 990 and 1980 us; averaging them would give 1485 us. Adding the
        // histograms gives the 2970th of 3000 sorted samples: 1970 us.
        CheckResult r = eval("p99 < 1.5ms");
        assertFalse(r.passed());
        assertEquals("1.97ms", r.actual());
        assertNull(r.stage());
        assertEquals("p99 < 1.5ms", r.expression());
    }

    @Test
    void resultsNameTheirStageAndKeepTheExpression() {
        CheckResult r = eval("  b :  p99 <= 2ms ");
        assertEquals(new CheckResult("b", "p99 <= 2ms", "1.98ms", true), r);
        assertEquals("b: p99 <= 2ms", Check.parse("  b :  p99 <= 2ms ").toString());
    }

    @Test
    void noSamplesAndNoStagesFail() {
        StageResult empty = SyntheticRun.uniform("e", 0, Map.of(), Map.of());
        RunResult run = new RunResult("t", SyntheticRun.START, Map.of(), List.of(empty), List.of(), 0, List.of());
        assertEquals(new CheckResult(null, "p99 < 1s", "no samples", false), Check.parse("p99 < 1s").evaluate(run));
        assertEquals(new CheckResult(null, "error_rate < 1%", "no requests", false), Check.parse("error_rate < 1%").evaluate(run));
        RunResult none = new RunResult("t", SyntheticRun.START, Map.of(), List.of(), List.of(), 0, List.of());
        assertEquals(new CheckResult(null, "errors == 0", "no stage ran", false), Check.parse("errors == 0").evaluate(none));
    }

    @Test
    void checksEvaluatesInOrderAndRunPassedFollows() {
        List<CheckResult> results = Checks.evaluate(List.of("a: errors == 5", "p99 < 1ms"), RUN);
        assertEquals(List.of(true, false), results.stream().map(CheckResult::passed).toList());
        assertTrue(new RunResult("t", SyntheticRun.START, Map.of(), List.of(A), List.of(), 0, results.subList(0, 1)).passed());
        assertFalse(new RunResult("t", SyntheticRun.START, Map.of(), List.of(A), List.of(), 0, results).passed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checks.evaluate(List.of("errors == 0", "p99 <"), RUN));
        assertEquals("check \"p99 <\": expected a number at column 6", e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ``                     | check "": empty (expected e.g. p99 < 5ms)
            p99 < fast             | check "p99 < fast": expected a number at column 7
            p99 = 5ms              | check "p99 = 5ms": '=' is not a comparison; use == at column 5
            p99 ~ 5ms              | check "p99 ~ 5ms": expected a comparison: <, <=, >, >=, == or != at column 5
            p99                    | check "p99": expected a comparison: <, <=, >, >=, == or != at column 4
            < 5ms                  | check "< 5ms": expected a metric such as p99, errors or rate at column 1
            p99 < 5                | check "p99 < 5": p99 is a time: give a unit (us, ms or s) at column 8
            p99 < 5kg              | check "p99 < 5kg": unknown unit 'kg' (expected us, ms, s, % or /s) at column 8
            p99 < 5%               | check "p99 < 5%": p99 is a time: the unit is us, ms or s, not '%' at column 8
            p99 < 5ms and more     | check "p99 < 5ms and more": unexpected 'and more' at column 11
            p99 < -5ms             | check "p99 < -5ms": expected a number at column 7
            p101 < 1ms             | check "p101 < 1ms": unknown latency statistic 'p101' (expected p50, p99.9 (any percentile), min, max, mean or stddev) at column 1
            p0 < 1ms               | check "p0 < 1ms": a percentile is above 0 and at most 100, not 0 at column 1
            service < 1ms          | check "service < 1ms": service needs a statistic, e.g. service.p99 (p50, p99.9 (any percentile), min, max, mean or stddev) at column 8
            service.p99x < 1ms     | check "service.p99x < 1ms": unknown latency statistic 'p99x' (expected p50, p99.9 (any percentile), min, max, mean or stddev) at column 9
            hiccup.p50 < 1ms       | check "hiccup.p50 < 1ms": hiccup takes max or p99 (the tool's own pauses) at column 1
            errors < 5ms           | check "errors < 5ms": errors is a count: it takes no unit at column 11
            errors == 1.5          | check "errors == 1.5": errors is a count: expected a whole number at column 11
            errors.nope == 0       | check "errors.nope == 0": unknown error kind 'nope' (expected one of connect_refused, connect_failed, tls_handshake, timeout, reset, disconnect, protocol_error, wrong_echo, http_status, other) at column 8
            error_rate < 1         | check "error_rate < 1": error_rate is a percentage: write it with % (e.g. 1%) at column 15
            cpu < 80ms             | check "cpu < 80ms": cpu is a percentage: write it with % (e.g. 1%) at column 9
            rate >= 5ms            | check "rate >= 5ms": rate is requests per second: a plain number (or with /s), not 'ms' at column 10
            rate.x > 1             | check "rate.x > 1": 'rate' has no '.x' at column 5
            Foo.bar < 1            | check "Foo.bar < 1": unknown metric 'foo.bar' (expected a latency statistic such as p99, service.p99 or lag.p99, rate, errors, errors.<kind>, error_rate, timeouts, blocked, in_flight, completed, achieved, cpu, hiccup.max, or a counter such as lost) at column 1
            a b: p99 < 1ms         | check "a b: p99 < 1ms": expected a stage name before ':' (letters, digits, '_', '.', '-') at column 1
            """)
    void parseErrorsNameTheExpressionAndColumn(String expression, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> Checks.validate(expression == null ? "" : expression)).getMessage());
    }

    @Test
    void digitsOfOtherScriptsAreNotNumbersAndLineBreaksAreEscaped() {
        // found by ScenarioFuzzTest: "p2< \u07c6.0w" escaped as a NumberFormatException ("For input
        // string"), and a line break in an expression broke the scenario's one-line message
        assertEquals("check \"p2< \u07c6.0w\": expected a number at column 5", assertThrows(IllegalArgumentException.class,
                () -> Check.parse("p2< \u07c6.0w")).getMessage());
        assertEquals("check \"p99 <\\n5 parsecs\": unknown unit 'parsecs' (expected us, ms, s, % or /s) at column 9",
                assertThrows(IllegalArgumentException.class, () -> Check.parse("p99 <\n5 parsecs")).getMessage());
    }

    @Test
    void aZeroTimeNeedsNoUnit() {
        assertEquals(new CheckResult("a", "lag.min == 0", "0us", true), eval("a: lag.min == 0"));
    }
}
