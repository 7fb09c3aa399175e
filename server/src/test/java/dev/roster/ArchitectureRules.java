package dev.roster;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The boundaries of ARCHITECTURE.md as ArchUnit rules, written against a root package so that the
 * same rules can be checked on the product ({@code dev.roster}, in {@link ArchitectureTest}) and on
 * a tree of planted violations ({@code dev.roster.planted}, in {@link PlantedViolationsTest}),
 * which proves that every rule can fail.
 *
 * <p>Each rule has exactly one {@code should()}: ArchUnit's {@code noClasses()...should(A)
 * .andShould(B)} reads "no class does A and B", which a class doing only A passes.
 */
final class ArchitectureRules {
  private static final String[] SQL = {
      "org.jdbi..", "java.sql..", "javax.sql..", "org.postgresql..", "com.zaxxer..", "org.flywaydb.."};
  private static final String[] GRPC_AND_PROTO = {
      "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "com.google.longrunning..",
      "dev.roster.proto.."};

  private final String root;

  ArchitectureRules(String root) {
    this.root = root;
  }

  /** Every rule by name, in a stable order. */
  Map<String, ArchRule> all() {
    Map<String, ArchRule> rules = new LinkedHashMap<>();
    rules.put("apiEdge_neverTouchesSql", apiEdgeNeverTouchesSql());
    rules.put("serverPlumbing_neverTouchesSql", serverPlumbingNeverTouchesSql());
    rules.put("serverPlumbing_neverDependsOnTheApiEdge", serverPlumbingNeverDependsOnTheApiEdge());
    rules.put("contexts_neverSeeGrpcOrProto", contextsNeverSeeGrpcOrProto());
    rules.put("contexts_neverSeeTheRpcLayers", contextsNeverSeeTheRpcLayers());
    rules.put("platform_neverSeesContextsOrRpc", platformNeverSeesContextsOrRpc());
    rules.put("platform_neverSeesGrpcOrProto", platformNeverSeesGrpcOrProto());
    rules.put("contextInternals_stayPackagePrivate", contextInternalsStayPackagePrivate());
    rules.put("access_usesAccountsOnlyThroughItsPublicFace", accessUsesAccountsOnlyThroughItsPublicFace());
    rules.put("jobs_neverSeeGrpcOrProto", jobsNeverSeeGrpcOrProto());
    rules.put("jobs_neverSeeContextsOrRpc", jobsNeverSeeContextsOrRpc());
    rules.put("jobsInternals_stayPackagePrivate", jobsInternalsStayPackagePrivate());
    rules.put("observability_isSeenOnlyByTheCompositionRoot",
        observabilityIsSeenOnlyByTheCompositionRoot());
    rules.put("stores_areOnlyUsedInsideTheirContext", storesAreOnlyUsedInsideTheirContext());
    rules.put("contextInternalPackages_areOnlyUsedInsideTheirContext",
        contextInternalPackagesAreOnlyUsedInsideTheirContext());
    rules.put("packages_areFreeOfCycles", packagesAreFreeOfCycles());
    rules.put("statementCancel_onlyOnTheCancelThreads", statementCancelOnlyOnTheCancelThreads());
    return rules;
  }

  private String pkg(String name) {
    return root + "." + name + "..";
  }

  ArchRule apiEdgeNeverTouchesSql() {
    return noClasses().that().resideInAPackage(pkg("rpc"))
        .should().dependOnClassesThat().resideInAnyPackage(SQL)
        .because("handlers whitelist and map; SQL belongs to the contexts");
  }

  ArchRule serverPlumbingNeverTouchesSql() {
    return noClasses().that().resideInAPackage(pkg("server"))
        .should().dependOnClassesThat().resideInAnyPackage(SQL)
        .because("interceptors, health and transport reach the database only through a context");
  }

  ArchRule serverPlumbingNeverDependsOnTheApiEdge() {
    return noClasses().that().resideInAPackage(pkg("server"))
        .should().dependOnClassesThat().resideInAPackage(pkg("rpc"))
        .because("plumbing serves every service; the handlers sit on top of it, not under it");
  }

  ArchRule contextsNeverSeeGrpcOrProto() {
    return noClasses().that().resideInAnyPackage(pkg("accounts"), pkg("access"))
        .should().dependOnClassesThat().resideInAnyPackage(GRPC_AND_PROTO)
        .because("proto types never enter a context");
  }

  ArchRule contextsNeverSeeTheRpcLayers() {
    return noClasses().that().resideInAnyPackage(pkg("accounts"), pkg("access"))
        .should().dependOnClassesThat().resideInAnyPackage(pkg("rpc"), pkg("server"),
            pkg("observability"))
        .because("a context is called by the edge and never calls back up");
  }

  ArchRule platformNeverSeesContextsOrRpc() {
    return noClasses().that().resideInAPackage(pkg("platform"))
        .should().dependOnClassesThat().resideInAnyPackage(
            pkg("accounts"), pkg("access"), pkg("jobs"), pkg("rpc"), pkg("server"),
            pkg("observability"))
        .because("platform is plumbing without business rules; everything may use it");
  }

  ArchRule platformNeverSeesGrpcOrProto() {
    return noClasses().that().resideInAPackage(pkg("platform"))
        .should().dependOnClassesThat().resideInAnyPackage(GRPC_AND_PROTO)
        .because("platform serves contexts, which never see gRPC");
  }

  ArchRule contextInternalsStayPackagePrivate() {
    return classes().that().resideInAnyPackage(pkg("accounts"), pkg("access"))
        .and().areNotAssignableTo(RuntimeException.class)
        .and().areNotRecords()
        .and().areNotEnums()
        .and().doNotHaveSimpleName("Accounts")
        .and().doNotHaveSimpleName("Access")
        .should().notHaveModifier(JavaModifier.PUBLIC)
        .because("a context's public face is its facade, records and exceptions");
  }

  ArchRule accessUsesAccountsOnlyThroughItsPublicFace() {
    DescribedPredicate<JavaClass> accountsInternals = describe(
        "are Accounts internals (not the facade, a record, an enum or an exception)",
        c -> c.getPackageName().startsWith(root + ".accounts")
            && !c.getSimpleName().equals("Accounts")
            && !c.isRecord() && !c.isEnum() && !c.isAssignableTo(RuntimeException.class));
    return noClasses().that().resideInAPackage(pkg("access"))
        .should().dependOnClassesThat(accountsInternals)
        .because("contexts talk to each other through facades only");
  }

  ArchRule jobsNeverSeeGrpcOrProto() {
    return noClasses().that().resideInAPackage(pkg("jobs"))
        .should().dependOnClassesThat().resideInAnyPackage(GRPC_AND_PROTO)
        .because("the queue is plumbing that contexts use, not the other way round");
  }

  ArchRule jobsNeverSeeContextsOrRpc() {
    return noClasses().that().resideInAPackage(pkg("jobs"))
        .should().dependOnClassesThat().resideInAnyPackage(
            pkg("accounts"), pkg("access"), pkg("rpc"), pkg("server"), pkg("observability"))
        .because("the queue is plumbing that contexts use, not the other way round");
  }

  ArchRule observabilityIsSeenOnlyByTheCompositionRoot() {
    return noClasses().that().resideInAnyPackage(pkg("accounts"), pkg("access"), pkg("jobs"),
            pkg("platform"), pkg("rpc"), pkg("server"), pkg("config"), pkg("mail"))
        .should().dependOnClassesThat().resideInAPackage(pkg("observability"))
        .because("contexts and plumbing report through OpenTelemetry's API or hooks they own"
            + " (Hikari's tracker, a Meter, Callers.observing); the composition root wires them");
  }

  ArchRule jobsInternalsStayPackagePrivate() {
    return classes().that().resideInAPackage(pkg("jobs"))
        .and(describe("are stores, Execution or Maintenance",
            c -> c.getSimpleName().endsWith("Store") || c.getSimpleName().equals("Execution")
                || c.getSimpleName().equals("Maintenance")))
        .should().notHaveModifier(JavaModifier.PUBLIC)
        .because("callers enqueue through JobQueue and run jobs through Workers");
  }

  ArchRule storesAreOnlyUsedInsideTheirContext() {
    return classes().that().haveSimpleNameEndingWith("Store")
        .and().resideInAPackage(root + "..")
        .should(onlyBeUsedFromTheirOwnPackage())
        .because("SQL is reached only through the context's facade");
  }

  ArchRule contextInternalPackagesAreOnlyUsedInsideTheirContext() {
    return noClasses().that().resideOutsideOfPackage(pkg("accounts"))
        .should().dependOnClassesThat().resideInAPackage(pkg("accounts.internal"))
        .because("a context's internals are reached only through its facade");
  }

  ArchRule packagesAreFreeOfCycles() {
    return slices().matching(root + ".(*)..").should().beFreeOfCycles()
        .because("each layer leans on the ones below it only");
  }

  /**
   * A cancel request is a blocking round trip to PostgreSQL (seconds against a frozen server), and
   * cancellation fires on transport threads: only platform/db's bounded cancel executor sends it.
   */
  ArchRule statementCancelOnlyOnTheCancelThreads() {
    return noClasses().that().doNotHaveFullyQualifiedName(root + ".platform.db.StatementCancels")
        .should().callMethodWhere(describe("Statement.cancel()", call ->
            call.getTarget().getName().equals("cancel")
                && call.getTarget().getRawParameterTypes().isEmpty()
                && call.getTarget().getOwner().isAssignableTo(java.sql.Statement.class)))
        .because("cancelling blocks; it must never run on the thread that asks for it");
  }

  /** Every class depending on the store lives in the store's own package. */
  private static ArchCondition<JavaClass> onlyBeUsedFromTheirOwnPackage() {
    return new ArchCondition<>("only be used from their own package") {
      @Override
      public void check(JavaClass store, ConditionEvents events) {
        store.getDirectDependenciesToSelf().forEach(dependency -> {
          JavaClass origin = dependency.getOriginClass();
          String originPackage = origin.getPackageName();
          if (!originPackage.equals(store.getPackageName())
              && !originPackage.startsWith(store.getPackageName() + ".")) {
            events.add(SimpleConditionEvent.violated(
                dependency, dependency.getDescription()));
          }
        });
      }
    };
  }
}
