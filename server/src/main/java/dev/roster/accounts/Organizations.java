package dev.roster.accounts;

import static dev.roster.accounts.OrganizationStore.BY_ID;
import static dev.roster.accounts.OrganizationStore.BY_REQUEST_ID;

import dev.roster.platform.Ids;
import dev.roster.platform.db.Select.Lock;
import dev.roster.platform.db.UniqueViolation;
import dev.roster.platform.errors.Violations;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The organization use cases. */
final class Organizations {
  private final Jdbi jdbi;
  private final Clock clock;

  Organizations(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  Organization create(NewOrganization org, Optional<UUID> requestId) {
    Violations v = new Violations();
    Rules.slug(v, "slug", org.slug());
    Rules.displayName(v, "display_name", org.displayName());
    v.throwIfAny();
    if (requestId.isPresent()) {
      Optional<Organization> earlier =
          jdbi.withHandle(h -> OrganizationStore.find(h, BY_REQUEST_ID, requestId.get()));
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    try {
      return jdbi.inTransaction(h -> OrganizationStore.insert(h, Ids.newId(), org, now(), requestId));
    } catch (RuntimeException e) {
      // A concurrent retry with the same request_id may have won the race (it waits for us on the
      // unique index, so by now its row is committed): hand back what it created.
      if (requestId.isPresent() && UniqueViolation.constraintOf(e).isPresent()) {
        Optional<Organization> winner =
            jdbi.withHandle(h -> OrganizationStore.find(h, BY_REQUEST_ID, requestId.get()));
        if (winner.isPresent()) {
          return winner.get();
        }
      }
      throw asRule(e, org.slug());
    }
  }

  Organization get(UUID id, Set<String> fields) {
    return jdbi.withHandle(h -> OrganizationStore.find(h, BY_ID, id, fields, Lock.NONE))
        .orElseThrow(() -> new OrganizationNotFoundException(id));
  }

  Page<Organization> list(ListQuery query) {
    ListPlan plan = OrganizationStore.LIST.plan(query);
    return jdbi.withHandle(h -> OrganizationStore.list(h, plan));
  }

  Organization update(UUID id, OrganizationChanges changes, Optional<String> etag) {
    Violations v = new Violations();
    changes.slug().ifPresent(slug -> Rules.slug(v, "slug", slug));
    changes.displayName().ifPresent(name -> Rules.displayName(v, "display_name", name));
    v.throwIfAny();
    String slug = changes.slug().orElse(null);
    try {
      return jdbi.inTransaction(h -> {
        Organization current = locked(h, id, etag);
        if (current.isDeleted()) {
          throw new OrganizationDeletedException(id);
        }
        if (changes.slug().orElse(current.slug()).equals(current.slug())
            && changes.displayName().orElse(current.displayName()).equals(current.displayName())) {
          return current;
        }
        return OrganizationStore.update(h, id, changes.slug().orElse(current.slug()),
            changes.displayName().orElse(current.displayName()), now());
      });
    } catch (RuntimeException e) {
      throw asRule(e, slug);
    }
  }

  Organization delete(UUID id, Optional<String> etag, boolean force) {
    return jdbi.inTransaction(h -> {
      Organization current = locked(h, id, etag);
      if (current.isDeleted()) {
        throw new OrganizationDeletedException(id);
      }
      Instant now = now();
      if (UserStore.hasLiveUsers(h, id)) {
        if (!force) {
          throw new OrganizationHasUsersException(id);
        }
        UserStore.deleteAllLive(h, id, now);
      }
      return OrganizationStore.setDeleteTime(h, id, now, now);
    });
  }

  Organization undelete(UUID id, Optional<String> etag) {
    return jdbi.inTransaction(h -> {
      Organization current = locked(h, id, etag);
      if (!current.isDeleted()) {
        throw new OrganizationNotDeletedException(id);
      }
      try {
        return OrganizationStore.setDeleteTime(h, id, null, now());
      } catch (RuntimeException e) {
        throw asRule(e, current.slug());
      }
    });
  }

  /**
   * Holds the organization (FOR SHARE) until the transaction ends, so it cannot be deleted under
   * the caller, and requires it to be live.
   *
   * @throws OrganizationNotFoundException if it does not exist
   * @throws OrganizationDeletedException if it is deleted
   */
  static void requireLive(Handle h, UUID id) {
    if (require(h, id, Lock.SHARE).isDeleted()) {
      throw new OrganizationDeletedException(id);
    }
  }

  /**
   * Requires the organization to exist, deleted or not (its deleted users stay listable).
   *
   * @throws OrganizationNotFoundException if it does not exist
   */
  static void requireExists(Handle h, UUID id) {
    require(h, id, Lock.NONE);
  }

  private static Organization require(Handle h, UUID id, Lock lock) {
    return OrganizationStore.find(h, BY_ID, id, Set.of("delete_time"), lock)
        .orElseThrow(() -> new OrganizationNotFoundException(id));
  }

  private static Organization locked(Handle h, UUID id, Optional<String> etag) {
    Organization current = OrganizationStore.find(h, BY_ID, id, Set.of(), Lock.UPDATE)
        .orElseThrow(() -> new OrganizationNotFoundException(id));
    if (etag.isPresent() && !etag.get().equals(current.etag())) {
      throw new EtagMismatchException(id, etag.get(), current.etag());
    }
    return current;
  }

  /** Turns a violated unique index into the rule it stands for; anything else passes through. */
  private static RuntimeException asRule(RuntimeException e, String slug) {
    Optional<String> constraint = UniqueViolation.constraintOf(e);
    if (constraint.isPresent() && constraint.get().equals(OrganizationStore.SLUG_KEY)) {
      return new SlugTakenException(slug == null ? "" : slug);
    }
    return e;
  }

  private Instant now() {
    // PostgreSQL keeps microseconds; truncating here makes what we return equal what we stored.
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
