package io.switchboard.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * For tests that need an outside tool (promtool, Chromium, node, redis-server,
 * systemd-socket-activate): on a developer's machine a missing tool skips the test; under CI
 * ({@code CI=true}, which {@code .ci/run} exports after installing every tool) it fails it, so that
 * a broken install cannot turn into a green build that tested less.
 */
public final class RequiredTool {
    private RequiredTool() {
    }

    /** Whether this run is CI's: the environment variable {@code CI} is {@code true}. */
    public static boolean underCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips the test when {@code installed} is false, or fails it under CI; {@code why} says what is missing. */
    public static void require(boolean installed, String why) {
        if (!installed && underCi()) {
            fail(why + " (CI=true: a missing tool fails the test instead of skipping it)");
        }
        assumeTrue(installed, why);
    }
}
