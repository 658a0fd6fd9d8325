package io.switchboard.client.load.scenario;

import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.RunResult;
import java.util.ArrayList;
import java.util.List;

/** Parses and evaluates threshold checks ({@link Check} describes the language). */
public final class Checks {
    private Checks() {}

    /**
     * Checks the syntax of one expression, for example a {@code --check} option while the command
     * line is parsed.
     *
     * @throws IllegalArgumentException naming the expression and the column of the problem
     */
    public static void validate(String expression) {
        Check.parse(expression);
    }

    /**
     * Evaluates each expression on {@code run}, in order: {@code stage: ...} on that stage, the
     * others on the whole run.
     *
     * @throws IllegalArgumentException for the first expression that does not parse
     */
    public static List<CheckResult> evaluate(List<String> expressions, RunResult run) {
        List<Check> checks = new ArrayList<>(expressions.size());
        for (String e : expressions) {
            checks.add(Check.parse(e));
        }
        List<CheckResult> results = new ArrayList<>(checks.size());
        for (Check c : checks) {
            results.add(c.evaluate(run));
        }
        return results;
    }
}
