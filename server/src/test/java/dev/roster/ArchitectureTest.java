package dev.roster;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The boundaries of ARCHITECTURE.md, written as tests so that crossing one fails the build. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.roster");
  }

  @Test
  void rpc_neverTouchesSqlOrJdbi() {
    ArchRule rule = noClasses().that().resideInAPackage("dev.roster.rpc..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.jdbi..", "java.sql..", "javax.sql..", "org.postgresql..", "com.zaxxer..",
            "org.flywaydb..")
        .because("handlers whitelist and map; SQL belongs to the contexts");
    rule.check(classes);
  }

  @Test
  void contexts_neverSeeGrpcOrProto() {
    ArchRule rule = noClasses().that().resideInAnyPackage("dev.roster.accounts..", "dev.roster.access..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "dev.roster.proto..",
            "dev.roster.rpc..")
        .because("proto types never enter a context");
    rule.check(classes);
  }

  @Test
  void platform_hasNoBusinessRules() {
    ArchRule rule = noClasses().that().resideInAPackage("dev.roster.platform..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.roster.accounts..", "dev.roster.access..", "dev.roster.rpc..", "io.grpc..",
            "dev.roster.proto..");
    rule.check(classes);
  }

  @Test
  void contextInternals_stayPackagePrivate() {
    ArchRule rule = classes().that().resideInAnyPackage("dev.roster.accounts..", "dev.roster.access..")
        .and().areNotAssignableTo(RuntimeException.class)
        .and().areNotRecords()
        .and().areNotEnums()
        .and().doNotHaveSimpleName("Accounts")
        .and().doNotHaveSimpleName("Access")
        .should().notHaveModifier(JavaModifier.PUBLIC)
        .because("a context's public face is its facade, records and exceptions");
    rule.check(classes);
  }

  @Test
  void accessContext_usesAccountsOnlyThroughItsFacade() {
    ArchRule rule = noClasses().that().resideInAPackage("dev.roster.access..")
        .should().dependOnClassesThat().haveSimpleNameEndingWith("Store")
        .andShould().dependOnClassesThat().haveSimpleName("Organizations")
        .andShould().dependOnClassesThat().haveSimpleName("Users");
    rule.check(classes);
  }

  @Test
  void jobs_neverSeeGrpcProtoOrContexts() {
    ArchRule rule = noClasses().that().resideInAPackage("dev.roster.jobs..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "dev.roster.proto..",
            "dev.roster.rpc..", "dev.roster.accounts..", "dev.roster.access..")
        .because("the queue is plumbing that contexts use, not the other way round");
    rule.check(classes);
  }

  @Test
  void jobsInternals_stayPackagePrivate() {
    ArchRule rule = classes().that().resideInAPackage("dev.roster.jobs..")
        .and().haveSimpleNameEndingWith("Store")
        .or().haveFullyQualifiedName("dev.roster.jobs.Execution")
        .or().haveFullyQualifiedName("dev.roster.jobs.Maintenance")
        .should().notHaveModifier(JavaModifier.PUBLIC)
        .because("callers enqueue through JobQueue and run jobs through Workers");
    rule.check(classes);
  }

  @Test
  void contextSql_isOnlyReachedThroughTheFacade() {
    ArchRule rule = noClasses().that().resideOutsideOfPackages(
            "dev.roster.accounts..", "dev.roster.access..", "dev.roster.jobs..")
        .should().dependOnClassesThat().haveSimpleNameEndingWith("Store")
        .andShould().dependOnClassesThat().resideInAPackage("dev.roster.accounts.internal..");
    rule.check(classes);
  }
}
