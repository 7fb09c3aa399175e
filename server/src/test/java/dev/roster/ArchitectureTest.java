package dev.roster;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The boundaries of ARCHITECTURE.md hold on the product: every rule of {@link ArchitectureRules}
 * passes on {@code dev.roster}'s main classes. {@link PlantedViolationsTest} proves each rule fails
 * when its boundary is crossed.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.roster");
  }

  static Stream<Arguments> rules() {
    return new ArchitectureRules("dev.roster").all().entrySet().stream()
        .map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void product_keepsTheBoundary(String name, ArchRule rule) {
    rule.check(classes);
  }
}
