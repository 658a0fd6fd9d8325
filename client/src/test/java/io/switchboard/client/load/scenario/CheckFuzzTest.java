package io.switchboard.client.load.scenario;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the load tool's check expressions (docs/fuzzing.md), in a class of
 * its own because Jazzer fuzzes one test per JVM. Each input is UTF-8 text: {@link Check#parse}
 * gives a check or an {@link IllegalArgumentException} whose message quotes the expression
 * ({@code check "..."}); an accepted check parses again from its own {@link Check#toString()} to
 * the same scope and metric.
 */
class CheckFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void check(byte[] input) {
        String text = new String(input, UTF_8);
        Check check;
        try {
            check = Check.parse(text);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith("check \""), () -> "message: " + e.getMessage());
            return;
        }
        Check again = Check.parse(check.toString());
        assertEquals(check.scope(), again.scope());
        assertEquals(check.metric(), again.metric());
    }
}
