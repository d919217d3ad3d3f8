package io.watch2s3;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** One package per concern, layered: no two packages depend on each other, however indirectly. */
class PackagesTest {

    @Test
    void noCyclesBetweenPackages() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.watch2s3");
        slices().matching("io.watch2s3.(*)..").should().beFreeOfCycles().check(classes);
    }
}
