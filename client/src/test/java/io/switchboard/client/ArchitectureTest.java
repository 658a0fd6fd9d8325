package io.switchboard.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.switchboard.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/**
 * The client's layers (docs/architecture.md): no package cycle, the library below the load tool
 * below the command line, and no dependency on the server (its end-to-end tests use the server in
 * test scope; only main classes are looked at).
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = ArchitectureRules.mainClasses("io.switchboard.client");

    @Test
    void noPackageCycles() {
        ArchitectureRules.noPackageCycles("io.switchboard.client").check(CLASSES);
    }

    @Test
    void clientDoesNotDependOnServer() {
        ArchitectureRules.noDependency("io.switchboard.client", "io.switchboard.server").check(CLASSES);
    }

    @Test
    void nothingDependsOnTheCommandLine() {
        noClasses().that().resideInAPackage("io.switchboard.client..")
                .and().resideOutsideOfPackage("io.switchboard.client.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.client.cli..")
                .as("nothing below the command line (io.switchboard.client.cli) depends on it")
                .check(CLASSES);
    }

    @Test
    void libraryDoesNotDependOnTheLoadTool() {
        noClasses().that().resideInAPackage("io.switchboard.client")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.client.load..")
                .as("the library (io.switchboard.client) does not depend on the load tool")
                .check(CLASSES);
    }
}
