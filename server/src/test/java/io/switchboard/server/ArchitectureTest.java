package io.switchboard.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import io.switchboard.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/**
 * The server's layers (docs/architecture.md): no package cycle, the launcher on top, the session
 * core at the bottom knowing no protocol, and no dependency on the client.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = ArchitectureRules.mainClasses("io.switchboard.server");

    @Test
    void noPackageCycles() {
        ArchitectureRules.noPackageCycles("io.switchboard.server").check(CLASSES);
    }

    @Test
    void serverDoesNotDependOnClient() {
        ArchitectureRules.noDependency("io.switchboard.server", "io.switchboard.client").check(CLASSES);
    }

    @Test
    void onlyTheLauncherKnowsTheLauncher() {
        noClasses().that().resideInAPackage("io.switchboard.server..")
                .and().resideOutsideOfPackage("io.switchboard.server.launch..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.server.launch..")
                .as("nothing below the launcher (io.switchboard.server.launch) depends on it")
                .check(CLASSES);
    }

    /**
     * Components are handed the records of the configuration they use ({@code settings}, {@code
     * session.SessionConfig}, {@code socketio.settings}); the whole {@link ServerConfig} is read only
     * where it is made ({@code config}) and taken apart ({@code launch}).
     */
    @Test
    void onlyTheLauncherAndTheConfigurationSeeTheWholeConfiguration() {
        noClasses().that().resideInAPackage("io.switchboard.server..")
                .and().resideOutsideOfPackages("io.switchboard.server.launch..", "io.switchboard.server.config..")
                .and().doNotBelongToAnyOf(ServerConfig.class)
                .should().dependOnClassesThat().belongToAnyOf(ServerConfig.class)
                .as("only launch, config and ServerConfig itself depend on ServerConfig")
                .check(CLASSES);
    }

    @Test
    void sessionCoreKnowsNoProtocol() {
        DescribedPredicate<JavaClass> otherServerPackage = DescribedPredicate.describe(
                "are in a server package other than session and rooms",
                c -> c.getPackageName().startsWith("io.switchboard.server")
                        && !c.getPackageName().startsWith("io.switchboard.server.session")
                        && !c.getPackageName().startsWith("io.switchboard.server.rooms"));
        noClasses().that().resideInAnyPackage("io.switchboard.server.session..", "io.switchboard.server.rooms..")
                .should().dependOnClassesThat(otherServerPackage)
                .as("the session core (session, rooms) depends on no other server package")
                .check(CLASSES);
    }
}
