package dev.roster.accounts;

import static dev.roster.accounts.UserStore.BY_ID;
import static dev.roster.accounts.UserStore.BY_LIVE_EMAIL;
import static dev.roster.accounts.UserStore.BY_LIVE_HANDLE;
import static dev.roster.accounts.UserStore.BY_REQUEST_ID;

import dev.roster.jobs.JobQueue;
import dev.roster.platform.Ids;
import dev.roster.platform.db.Select;
import dev.roster.platform.db.Select.Lock;
import dev.roster.platform.db.UniqueViolation;
import dev.roster.platform.errors.Violations;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The user use cases. */
final class Users {
  private final Jdbi jdbi;
  private final Clock clock;
  private final JobQueue jobs;

  Users(Jdbi jdbi, Clock clock, JobQueue jobs) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.jobs = jobs;
  }

  User create(UUID organizationId, NewUser user, Optional<UUID> requestId) {
    Violations v = new Violations();
    Rules.slug(v, "handle", user.handle());
    Rules.email(v, "email", user.email());
    Rules.displayName(v, "display_name", user.displayName());
    v.throwIfAny();
    if (requestId.isPresent()) {
      Optional<User> earlier = jdbi.withHandle(
          h -> UserStore.find(h, organizationId, BY_REQUEST_ID, requestId.get()));
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    try {
      return jdbi.inTransaction(h -> {
        Organizations.requireLive(h, organizationId);
        User created = UserStore.insert(h, organizationId, Ids.newId(), user, now(), requestId);
        // Same transaction: the welcome email exists exactly when the user does.
        jobs.enqueue(h, WelcomeEmails.request(organizationId, created.id()));
        return created;
      });
    } catch (RuntimeException e) {
      // A concurrent retry with the same request_id may have won (we waited for it on a unique
      // index, so its row is committed by now): hand back what it created.
      if (requestId.isPresent() && UniqueViolation.constraintOf(e).isPresent()) {
        Optional<User> winner = jdbi.withHandle(
            h -> UserStore.find(h, organizationId, BY_REQUEST_ID, requestId.get()));
        if (winner.isPresent()) {
          return winner.get();
        }
      }
      throw asRule(e, organizationId, user.handle(), user.email());
    }
  }

  User get(UUID organizationId, UUID id, Set<String> fields) {
    return jdbi.withHandle(h -> UserStore.find(h, organizationId, BY_ID, id, fields, Lock.NONE))
        .orElseThrow(() -> new UserNotFoundException(organizationId, id));
  }

  Page<User> list(UUID organizationId, ListQuery query) {
    ListPlan plan = UserStore.LIST.plan(query);
    return jdbi.withHandle(h -> {
      Organizations.requireExists(h, organizationId);
      return UserStore.list(h, organizationId, plan);
    });
  }

  /** The users in the order of {@code ids} (repeats included); the first missing one fails all. */
  List<User> batchGet(UUID organizationId, List<UUID> ids, Set<String> fields) {
    Map<UUID, User> found = new HashMap<>();
    jdbi.withHandle(h -> UserStore.findMany(h, organizationId, new HashSet<>(ids), fields))
        .forEach(u -> found.put(u.id(), u));
    List<User> users = new ArrayList<>(ids.size());
    for (UUID id : ids) {
      User user = found.get(id);
      if (user == null) {
        throw new UserNotFoundException(organizationId, id);
      }
      users.add(user);
    }
    return users;
  }

  User lookupByHandle(UUID organizationId, String handle, Set<String> fields) {
    return lookup(organizationId, BY_LIVE_HANDLE, "handle", handle, Rules::slug, fields);
  }

  User lookupByEmail(UUID organizationId, String email, Set<String> fields) {
    return lookup(organizationId, BY_LIVE_EMAIL, "email", email, Rules::email, fields);
  }

  /** A field's format rule, as in {@link Rules}. */
  private interface Rule {
    void check(Violations v, String field, String value);
  }

  /** The live user whose {@code field} is {@code value}, once the value passes {@code rule}. */
  private User lookup(UUID organizationId, Select.By by, String field, String value, Rule rule,
      Set<String> fields) {
    Violations v = new Violations();
    rule.check(v, field, value);
    v.throwIfAny();
    return jdbi.withHandle(h -> UserStore.find(h, organizationId, by, value, fields, Lock.NONE))
        .orElseThrow(() -> new UserNotFoundByKeyException(organizationId, field, value));
  }

  User update(UUID organizationId, UUID id, UserChanges changes, Optional<String> etag) {
    Violations v = new Violations();
    changes.handle().ifPresent(handle -> Rules.slug(v, "handle", handle));
    changes.email().ifPresent(email -> Rules.email(v, "email", email));
    changes.displayName().ifPresent(name -> Rules.displayName(v, "display_name", name));
    v.throwIfAny();
    return change(organizationId, id, etag, current -> {
      requireLive(current);
      return new User(current.organizationId(), current.id(),
          changes.handle().orElse(current.handle()),
          changes.email().orElse(current.email()),
          changes.displayName().orElse(current.displayName()),
          current.status(), current.createTime(), current.updateTime(), current.deleteTime(),
          current.etag());
    });
  }

  User delete(UUID organizationId, UUID id, Optional<String> etag) {
    return change(organizationId, id, etag, current -> {
      requireLive(current);
      return withState(current, current.status(), Optional.of(now()));
    });
  }

  User undelete(UUID organizationId, UUID id, Optional<String> etag) {
    return change(organizationId, id, etag, current -> {
      if (!current.isDeleted()) {
        throw new UserNotDeletedException(organizationId, id);
      }
      return withState(current, current.status(), Optional.empty());
    });
  }

  User setStatus(UUID organizationId, UUID id, UserStatus status, Optional<String> etag) {
    return change(organizationId, id, etag, current -> {
      requireLive(current);
      return withState(current, status, current.deleteTime());
    });
  }

  /**
   * Locks the user, checks the etag, applies {@code edit} and stores the result if it differs. A
   * change that leaves the user as it was writes nothing and keeps the etag, so retries are cheap
   * and harmless.
   */
  private User change(UUID organizationId, UUID id, Optional<String> etag, UnaryOperator<User> edit) {
    return jdbi.inTransaction(h -> {
      User current = locked(h, organizationId, id, etag);
      User edited = edit.apply(current);
      if (edited.equals(current)) {
        return current;
      }
      if (current.isDeleted() && !edited.isDeleted()) {
        Organizations.requireLive(h, organizationId);
      }
      try {
        return UserStore.update(h, edited, now());
      } catch (RuntimeException e) {
        throw asRule(e, organizationId, edited.handle(), edited.email());
      }
    });
  }

  private static User locked(Handle h, UUID organizationId, UUID id, Optional<String> etag) {
    User current = UserStore.find(h, organizationId, BY_ID, id, Set.of(), Lock.UPDATE)
        .orElseThrow(() -> new UserNotFoundException(organizationId, id));
    if (etag.isPresent() && !etag.get().equals(current.etag())) {
      throw new EtagMismatchException(id, etag.get(), current.etag());
    }
    return current;
  }

  private static void requireLive(User user) {
    if (user.isDeleted()) {
      throw new UserDeletedException(user.organizationId(), user.id());
    }
  }

  private static User withState(User u, UserStatus status, Optional<Instant> deleteTime) {
    return new User(u.organizationId(), u.id(), u.handle(), u.email(), u.displayName(), status,
        u.createTime(), u.updateTime(), deleteTime, u.etag());
  }

  /** Turns a violated unique index into the rule it stands for; anything else passes through. */
  private static RuntimeException asRule(
      RuntimeException e, UUID organizationId, String handle, String email) {
    Optional<String> constraint = UniqueViolation.constraintOf(e);
    if (constraint.isEmpty()) {
      return e;
    }
    return switch (constraint.get()) {
      case UserStore.HANDLE_KEY -> new HandleTakenException(organizationId, handle);
      case UserStore.EMAIL_KEY -> new EmailTakenException(organizationId, email);
      default -> e;
    };
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
