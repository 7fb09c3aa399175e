package dev.roster.rpc;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import dev.roster.accounts.NewOrganization;
import dev.roster.accounts.NewUser;
import dev.roster.accounts.Organization;
import dev.roster.accounts.OrganizationChanges;
import dev.roster.accounts.User;
import dev.roster.accounts.UserChanges;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Maps between the accounts context's records and the roster.accounts.v1 messages. */
final class AccountsMapper {
  static final List<String> ORGANIZATION_UPDATABLE = List.of("slug", "display_name");
  static final List<String> USER_UPDATABLE = List.of("handle", "email", "display_name");

  private AccountsMapper() {}

  /** Maps every field that was read; fields left out by a read mask are null and stay unset. */
  static dev.roster.proto.accounts.v1.Organization toProto(Organization org) {
    var b = dev.roster.proto.accounts.v1.Organization.newBuilder()
        .setName(ResourceNames.organization(org.id()));
    ifSet(org.slug(), b::setSlug);
    ifSet(org.displayName(), b::setDisplayName);
    ifSet(org.createTime(), t -> b.setCreateTime(timestamp(t)));
    ifSet(org.updateTime(), t -> b.setUpdateTime(timestamp(t)));
    org.deleteTime().ifPresent(t -> b.setDeleteTime(timestamp(t)));
    ifSet(org.etag(), b::setEtag);
    return b.build();
  }

  /** Maps every field that was read; fields left out by a read mask are null and stay unset. */
  static dev.roster.proto.accounts.v1.User toProto(User user) {
    var b = dev.roster.proto.accounts.v1.User.newBuilder()
        .setName(ResourceNames.user(user.organizationId(), user.id()));
    ifSet(user.handle(), b::setHandle);
    ifSet(user.email(), b::setEmail);
    ifSet(user.displayName(), b::setDisplayName);
    ifSet(user.status(), s -> b.setStatus(switch (s) {
      case ACTIVE -> dev.roster.proto.accounts.v1.User.Status.ACTIVE;
      case SUSPENDED -> dev.roster.proto.accounts.v1.User.Status.SUSPENDED;
    }));
    ifSet(user.createTime(), t -> b.setCreateTime(timestamp(t)));
    ifSet(user.updateTime(), t -> b.setUpdateTime(timestamp(t)));
    user.deleteTime().ifPresent(t -> b.setDeleteTime(timestamp(t)));
    ifSet(user.etag(), b::setEtag);
    return b.build();
  }

  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  /** Only the fields a caller may set are read; output-only fields in the message are ignored. */
  static NewOrganization newOrganization(dev.roster.proto.accounts.v1.Organization org) {
    return new NewOrganization(org.getSlug(), org.getDisplayName());
  }

  static NewUser newUser(dev.roster.proto.accounts.v1.User user) {
    return new NewUser(user.getHandle(), user.getEmail(), user.getDisplayName());
  }

  static OrganizationChanges organizationChanges(
      dev.roster.proto.accounts.v1.Organization org, FieldMask mask) {
    Set<String> fields = UpdateMasks.resolve(mask, org.getDescriptorForType(),
        ORGANIZATION_UPDATABLE, f -> switch (f) {
          case "slug" -> !org.getSlug().isEmpty();
          case "display_name" -> !org.getDisplayName().isEmpty();
          default -> false;
        });
    return new OrganizationChanges(
        pick(fields, "slug", org.getSlug()), pick(fields, "display_name", org.getDisplayName()));
  }

  static UserChanges userChanges(dev.roster.proto.accounts.v1.User user, FieldMask mask) {
    Set<String> fields = UpdateMasks.resolve(mask, user.getDescriptorForType(), USER_UPDATABLE,
        f -> switch (f) {
          case "handle" -> !user.getHandle().isEmpty();
          case "email" -> !user.getEmail().isEmpty();
          case "display_name" -> !user.getDisplayName().isEmpty();
          default -> false;
        });
    return new UserChanges(pick(fields, "handle", user.getHandle()),
        pick(fields, "email", user.getEmail()), pick(fields, "display_name", user.getDisplayName()));
  }

  private static Optional<String> pick(Set<String> fields, String field, String value) {
    return fields.contains(field) ? Optional.of(value) : Optional.empty();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
