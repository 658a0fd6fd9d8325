package io.switchboard.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The dependency rules every module's {@code ArchitectureTest} checks (docs/architecture.md):
 * no package cycles, and modules that depend one way only.
 */
public final class ArchitectureRules {
    private ArchitectureRules() {
    }

    /** The main (not test) classes of {@code root} and below, from this module's class path. */
    public static JavaClasses mainClasses(String root) {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(root);
        // A rule over no classes would pass: make sure the module's classes were found.
        if (classes.size() < 5) {
            throw new IllegalStateException("only " + classes.size() + " main classes found under " + root);
        }
        return classes;
    }

    /**
     * No cycle among the packages under {@code root} (itself included). Every package is a slice
     * of its own: a sub-package such as {@code socketio.engine} is not folded into its parent, so a
     * cycle between a package and its sub-package counts too.
     */
    public static ArchRule noPackageCycles(String root) {
        return slices().assignedFrom(eachPackageUnder(root)).should().beFreeOfCycles()
                .as("packages under " + root + " form no cycle");
    }

    /** Slices by exact package name, for the classes in {@code root} and below; others are ignored. */
    public static SliceAssignment eachPackageUnder(String root) {
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String pkg = javaClass.getPackageName();
                return pkg.equals(root) || pkg.startsWith(root + ".") ? SliceIdentifier.of(pkg) : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "each package under " + root;
            }
        };
    }

    /** No class in {@code from} or below depends on a class in any of {@code to} or below. */
    public static ArchRule noDependency(String from, String... to) {
        String[] targets = new String[to.length];
        for (int i = 0; i < to.length; i++) {
            targets[i] = to[i] + "..";
        }
        return noClasses().that().resideInAPackage(from + "..")
                .should().dependOnClassesThat().resideInAnyPackage(targets);
    }
}
