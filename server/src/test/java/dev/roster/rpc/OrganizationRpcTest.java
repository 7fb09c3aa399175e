package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.UndeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.UpdateOrganizationRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Organization RPCs through a real gRPC channel into PostgreSQL. */
class OrganizationRpcTest {
  private static TestServer server;
  private static AccountsServiceBlockingStub rpc;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    rpc = server.accounts();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  static Organization create(String slug) {
    return rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(slug).setDisplayName("Display")).build());
  }

  @Test
  void createOrganization_returnsServerNamedResource() {
    String slug = Fixtures.slug("acme");
    Organization org = create(slug);

    assertThat(org.getName()).matches("organizations/[0-9a-f-]{36}");
    assertThat(UUID.fromString(org.getName().substring(14)).version()).isEqualTo(7);
    assertThat(org.getSlug()).isEqualTo(slug);
    assertThat(org.getDisplayName()).isEqualTo("Display");
    assertThat(org.hasCreateTime()).isTrue();
    assertThat(org.hasDeleteTime()).isFalse();
    assertThat(org.getEtag()).isNotEmpty();
    assertThat(rpc.getOrganization(GetOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .isEqualTo(org);
  }

  @Test
  void createOrganization_outputOnlyFieldsInBody_areIgnored() {
    Organization org = rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder()
            .setName("organizations/00000000-0000-7000-8000-000000000000")
            .setSlug(Fixtures.slug("ignored"))
            .setCreateTime(Timestamp.newBuilder().setSeconds(1))
            .setEtag("chosen"))
        .build());
    assertThat(org.getName()).isNotEqualTo("organizations/00000000-0000-7000-8000-000000000000");
    assertThat(org.getCreateTime().getSeconds()).isGreaterThan(1);
    assertThat(org.getEtag()).isNotEqualTo("chosen");
  }

  @Test
  void createOrganization_sameRequestId_returnsFirstResult() {
    String requestId = UUID.randomUUID().toString();
    var request = CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("once")))
        .setRequestId(requestId).build();
    Organization first = rpc.createOrganization(request);
    Organization retry = rpc.createOrganization(request);
    assertThat(retry).isEqualTo(first);
  }

  @Test
  void createOrganization_takenSlug_alreadyExists() {
    Organization org = create(Fixtures.slug("taken"));
    var f = failure(() -> create(org.getSlug())).is(Code.ALREADY_EXISTS, "SLUG_TAKEN");
    assertThat(f.errorInfo().getMetadataMap()).containsEntry("field", "slug");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "Upper", "9lives", "trailing-", "has space", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
  void createOrganization_badSlug_invalidArgumentNamingField(String slug) {
    var f = failure(() -> create(slug));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("organization.slug");
  }

  @Test
  void createOrganization_displayNameTooLongOrControlChars_invalidArgument() {
    failure(() -> rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("long"))
            .setDisplayName("x".repeat(201))).build()))
        .isBadField("organization.display_name", "INVALID_LENGTH");
    failure(() -> rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("ctl"))
            .setDisplayName("evil\u0000name")).build()))
        .isBadField("organization.display_name", "INVALID_CHARACTERS");
  }

  @Test
  void createOrganization_missingOrganization_namesTheRequiredField() {
    failure(() -> rpc.createOrganization(CreateOrganizationRequest.getDefaultInstance()))
        .isBadField("organization.slug", "FIELD_REQUIRED");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-a-uuid", "0191e6a4-7d3c-7b8e-9f2a", "0191E6A4-7D3C-7B8E-9F2A-3C4D5E6F7A8B-"})
  void createOrganization_malformedRequestId_invalidArgument(String requestId) {
    failure(() -> rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("rid")))
        .setRequestId(requestId).build()))
        .isBadField("request_id", "INVALID_FORMAT");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "organizations/", "organizations/123", "orgs/0191e6a4-7d3c-7b8e-9f2a-3c4d5e6f7a8b",
      "organizations/0191E6A4-7D3C-7B8E-9F2A-3C4D5E6F7A8B", "organizations/0191e6a4-7d3c-7b8e-9f2a-3c4d5e6f7a8b/x"})
  void getOrganization_malformedName_invalidArgument(String name) {
    var f = failure(() -> rpc.getOrganization(GetOrganizationRequest.newBuilder().setName(name).build()));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("name");
  }

  @Test
  void getOrganization_unknown_notFound() {
    failure(() -> rpc.getOrganization(GetOrganizationRequest.newBuilder()
        .setName("organizations/" + UUID.randomUUID()).build()))
        .is(Code.NOT_FOUND, "ORGANIZATION_NOT_FOUND");
  }

  @Test
  void updateOrganization_withoutMask_updatesPopulatedFieldsOnly() {
    Organization org = create(Fixtures.slug("upd"));
    Organization updated = rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("Renamed"))
        .build());
    assertThat(updated.getDisplayName()).isEqualTo("Renamed");
    assertThat(updated.getSlug()).isEqualTo(org.getSlug());
    assertThat(updated.getEtag()).isNotEqualTo(org.getEtag());
    assertThat(Timestamps.compare(updated.getUpdateTime(), org.getUpdateTime())).isPositive();
  }

  @Test
  void updateOrganization_explicitMask_canClearDisplayName() {
    Organization org = create(Fixtures.slug("clear"));
    Organization updated = rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()))
        .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build());
    assertThat(updated.getDisplayName()).isEmpty();
    assertThat(updated.getSlug()).isEqualTo(org.getSlug());
  }

  @Test
  void updateOrganization_wildcardMask_replacesAndRequiresSlug() {
    Organization org = create(Fixtures.slug("star"));
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("x"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("*")).build()))
        .isBadField("organization.slug", "FIELD_REQUIRED");

    String newSlug = Fixtures.slug("star-new");
    Organization replaced = rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setSlug(newSlug))
        .setUpdateMask(FieldMask.newBuilder().addPaths("*")).build());
    assertThat(replaced.getSlug()).isEqualTo(newSlug);
    assertThat(replaced.getDisplayName()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"create_time", "name", "etag", "delete_time"})
  void updateOrganization_maskNamesReadOnlyField_invalidArgument(String path) {
    Organization org = create(Fixtures.slug("ro"));
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(org).setUpdateMask(FieldMask.newBuilder().addPaths(path)).build()))
        .isBadField("update_mask", "FIELD_NOT_UPDATABLE");
  }

  @Test
  void updateOrganization_maskNamesUnknownField_invalidArgument() {
    Organization org = create(Fixtures.slug("unk"));
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(org).setUpdateMask(FieldMask.newBuilder().addPaths("owner")).build()))
        .isBadField("update_mask", "UNKNOWN_FIELD");
  }

  @Test
  void updateOrganization_staleEtag_abortedAndUnchanged() {
    Organization org = create(Fixtures.slug("etag"));
    rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("first")
            .setEtag(org.getEtag())).build());
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("second")
            .setEtag(org.getEtag())).build()))
        .is(Code.ABORTED, "ETAG_MISMATCH");
    assertThat(rpc.getOrganization(GetOrganizationRequest.newBuilder().setName(org.getName()).build())
        .getDisplayName()).isEqualTo("first");
  }

  @Test
  void updateOrganization_slugOfAnother_alreadyExists() {
    Organization a = create(Fixtures.slug("a"));
    Organization b = create(Fixtures.slug("b"));
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(b.getName()).setSlug(a.getSlug())).build()))
        .is(Code.ALREADY_EXISTS, "SLUG_TAKEN");
  }

  @Test
  void deleteOrganization_softDeletes_getStillReturnsIt_undeleteRestores() {
    Organization org = create(Fixtures.slug("del"));
    Organization deleted = rpc.deleteOrganization(
        DeleteOrganizationRequest.newBuilder().setName(org.getName()).setEtag(org.getEtag()).build());
    assertThat(deleted.hasDeleteTime()).isTrue();
    assertThat(rpc.getOrganization(GetOrganizationRequest.newBuilder().setName(org.getName()).build())
        .hasDeleteTime()).isTrue();

    failure(() -> rpc.deleteOrganization(DeleteOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "ORGANIZATION_DELETED");
    failure(() -> rpc.updateOrganization(UpdateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("x")).build()))
        .is(Code.FAILED_PRECONDITION, "ORGANIZATION_DELETED");

    Organization restored = rpc.undeleteOrganization(
        UndeleteOrganizationRequest.newBuilder().setName(org.getName()).build());
    assertThat(restored.hasDeleteTime()).isFalse();
    failure(() -> rpc.undeleteOrganization(UndeleteOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "ORGANIZATION_NOT_DELETED");
  }

  @Test
  void deleteOrganization_staleEtag_aborted() {
    Organization org = create(Fixtures.slug("delx"));
    failure(() -> rpc.deleteOrganization(
        DeleteOrganizationRequest.newBuilder().setName(org.getName()).setEtag("stale").build()))
        .is(Code.ABORTED, "ETAG_MISMATCH");
  }

  @Test
  void deleteOrganization_withUsers_needsForce() {
    Organization org = create(Fixtures.slug("users"));
    rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("u")).setEmail(Fixtures.email("u"))).build());
    failure(() -> rpc.deleteOrganization(DeleteOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "ORGANIZATION_HAS_USERS");
    Organization deleted = rpc.deleteOrganization(
        DeleteOrganizationRequest.newBuilder().setName(org.getName()).setForce(true).build());
    assertThat(deleted.hasDeleteTime()).isTrue();
  }
}
