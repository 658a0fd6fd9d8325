package io.switchboard.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.util.List;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test
 * class through the service loader (auto-detection is switched on in the parent pom).
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        assertTrue(LeakRecorder.isInstalled(), "leak recorder was not installed before the tests");
        List<String> leaks = LeakRecorder.collect();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " leak(s) reported during " + context.getDisplayName() + ":\n"
                    + String.join("\n", leaks));
        }
    }
}
