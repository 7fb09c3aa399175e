package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every architecture rule fails when its boundary is crossed: the same rules that pass on the
 * product are checked against {@code dev.roster.planted}, a miniature layout in which each
 * boundary is crossed on purpose, and each must report the class planted for it.
 */
class PlantedViolationsTest {
  /** Rule name -> the planted class its report must name. */
  private static final Map<String, String> PLANTED = Map.ofEntries(
      Map.entry("apiEdge_neverTouchesSql", "planted.rpc.SomeHandler"),
      Map.entry("serverPlumbing_neverTouchesSql", "planted.server.SomeInterceptor"),
      Map.entry("serverPlumbing_neverDependsOnTheApiEdge", "planted.server.SomeInterceptor"),
      Map.entry("contexts_neverSeeGrpcOrProto", "planted.accounts.CallsUpward"),
      Map.entry("contexts_neverSeeTheRpcLayers", "planted.accounts.CallsUpward"),
      Map.entry("platform_neverSeesContextsOrRpc", "planted.platform.KnowsTheContext"),
      Map.entry("platform_neverSeesGrpcOrProto", "planted.platform.KnowsTheContext"),
      Map.entry("contextInternals_stayPackagePrivate", "planted.accounts.UserStore"),
      Map.entry("access_usesAccountsOnlyThroughItsPublicFace", "planted.access.UsesAccountsStore"),
      Map.entry("jobs_neverSeeGrpcOrProto", "planted.jobs.KnowsTheContext"),
      Map.entry("jobs_neverSeeContextsOrRpc", "planted.jobs.KnowsTheContext"),
      Map.entry("jobsInternals_stayPackagePrivate", "planted.jobs.JobStore"),
      Map.entry("observability_isSeenOnlyByTheCompositionRoot",
          "planted.jobs.ReportsToObservability"),
      Map.entry("stores_areOnlyUsedInsideTheirContext", "planted.access.UsesAccountsStore"),
      Map.entry("contextInternalPackages_areOnlyUsedInsideTheirContext", "planted.rpc.SomeHandler"),
      Map.entry("packages_areFreeOfCycles", "planted.server.SomeInterceptor"),
      Map.entry("statementCancel_onlyOnTheCancelThreads", "planted.platform.CancelsInline"));

  private static JavaClasses planted;

  @BeforeAll
  static void importPlanted() {
    planted = new ClassFileImporter().importPackages("dev.roster.planted");
  }

  static Stream<Arguments> rules() {
    return new ArchitectureRules("dev.roster.planted").all().entrySet().stream()
        .map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void rule_plantedViolation_isReported(String name, ArchRule rule) {
    assertThat(PLANTED).as("a planted violation for rule %s", name).containsKey(name);
    EvaluationResult result = rule.evaluate(planted);
    assertThat(result.hasViolation()).as("rule %s fails on its planted violation", name).isTrue();
    assertThat(result.getFailureReport().toString()).contains("dev.roster." + PLANTED.get(name));
  }

  @Test
  void plantedTree_coversEveryRuleAndNoOther() {
    assertThat(PLANTED.keySet())
        .containsExactlyInAnyOrderElementsOf(new ArchitectureRules("dev.roster").all().keySet());
  }
}
