package io.switchboard.client.load.result;

/**
 * The outcome of one threshold check such as {@code p99 < 5ms}.
 *
 * @param stage      the stage it was evaluated on, or null for the whole run
 * @param expression the check as written
 * @param actual     the measured value, formatted with its unit (e.g. "3.21ms")
 * @param passed     whether it held
 */
public record CheckResult(String stage, String expression, String actual, boolean passed) {}
