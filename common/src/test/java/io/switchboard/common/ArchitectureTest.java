package io.switchboard.common;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.switchboard.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** What both sides share depends on neither side, and its packages form no cycle. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = ArchitectureRules.mainClasses("io.switchboard.common");

    @Test
    void noPackageCycles() {
        ArchitectureRules.noPackageCycles("io.switchboard.common").check(CLASSES);
    }

    @Test
    void commonDependsOnNeitherSide() {
        ArchitectureRules.noDependency("io.switchboard.common", "io.switchboard.server", "io.switchboard.client")
                .check(CLASSES);
    }
}
