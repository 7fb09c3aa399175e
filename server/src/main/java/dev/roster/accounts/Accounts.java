package dev.roster.accounts;

import dev.roster.jobs.CronEntry;
import dev.roster.jobs.JobHandler;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.mail.Mailer;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The Accounts context: organizations (tenants) and their users. This facade is the context's only
 * entry point; its records and exceptions are public, its SQL and rules are not.
 *
 * <p>Every method may throw {@link InvalidArgumentException} for malformed input (naming the fields
 * by their resource names: {@code slug}, {@code handle}, {@code email}, {@code display_name}), and
 * {@link EtagMismatchException} when an etag is given and stale. Unique values are checked by the
 * database, so two racing callers cannot both claim the same slug, handle or email.
 */
public final class Accounts {
  private final Jdbi jdbi;
  private final Clock clock;
  private final JobQueue jobs;
  private final Organizations organizations;
  private final Users users;
  private final Exports exports;
  private final ExportSettings exportSettings;

  /**
   * An Accounts context that enqueues its background work (welcome emails, exports) in
   * {@code jobs}, with exports limited by {@code exportSettings}.
   */
  public Accounts(Jdbi jdbi, Clock clock, JobQueue jobs, ExportSettings exportSettings) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.jobs = jobs;
    this.organizations = new Organizations(jdbi, clock);
    this.users = new Users(jdbi, clock, jobs);
    this.exports = new Exports(jdbi, clock, jobs, exportSettings);
    this.exportSettings = exportSettings;
  }

  /** An Accounts context with the default {@link ExportSettings}. */
  public Accounts(Jdbi jdbi, Clock clock, JobQueue jobs) {
    this(jdbi, clock, jobs, ExportSettings.DEFAULT);
  }

  public Accounts(Jdbi jdbi, Clock clock) {
    this(jdbi, clock, new JobQueue(jdbi));
  }

  /**
   * The handlers of the jobs this context enqueues, by kind, for the worker processes: welcome
   * emails through {@code mailer} (queue {@code mail}), at most {@code mailDailyQuota} per
   * organization per UTC day (more are dropped), users exports written under
   * {@code exportDirectory} (queue {@code exports}) and the expiry of old exports (the recurring
   * job of {@link #recurringJobs()}).
   */
  public Map<String, JobHandler> jobHandlers(Mailer mailer, int mailDailyQuota,
      Path exportDirectory) {
    return jobHandlers(jdbi, mailer, mailDailyQuota, exportDirectory);
  }

  /**
   * As {@link #jobHandlers(Mailer, int, Path)}, with the handlers' SQL on {@code jobsJdbi} rather than
   * this context's own handle: a worker's pool, so jobs and API calls never wait for each other's
   * connections.
   */
  public Map<String, JobHandler> jobHandlers(Jdbi jobsJdbi, Mailer mailer, int mailDailyQuota,
      Path exportDirectory) {
    Exports jobsExports = new Exports(jobsJdbi, clock, jobs, exportSettings);
    return Map.of(
        WelcomeEmails.KIND, WelcomeEmails.handler(jobsJdbi, clock, mailer, mailDailyQuota),
        Exports.KIND, jobsExports.handler(exportDirectory),
        Exports.EXPIRE_KIND, jobsExports.expireHandler(exportDirectory));
  }

  /**
   * Deletes the temporary files of exports whose process died mid-write (SIGKILL, out of memory)
   * from {@code exportDirectory}, once they are older than any attempt may run (an hour and ten
   * minutes), so that processes sharing the directory keep theirs; returns how many. Worker
   * processes call it when they start; the hourly expiry job does it too.
   */
  public int sweepPartialExports(Path exportDirectory) {
    return exports.sweepPartials(exportDirectory);
  }

  /**
   * The jobs this context needs run periodically, for {@code Workers.Builder.cron}: every hour,
   * on the {@code exports} queue (run by the processes that write the export files), expired
   * exports are deleted.
   */
  public List<CronEntry> recurringJobs() {
    return List.of(new CronEntry("expire-exports", Duration.ofHours(1),
        JobRequest.of(Exports.EXPIRE_KIND, "{}").withQueue(Exports.QUEUE).withMaxAttempts(3)));
  }

  /**
   * Starts exporting the organization's live users matching {@code filter}; returns at once.
   *
   * @throws InvalidArgumentException naming {@code filter} if it is bad
   * @throws OrganizationNotFoundException if the organization does not exist
   * @throws OrganizationDeletedException if it is deleted
   * @throws ExportLimitReachedException if the organization already has the most exports pending
   *     or running it may have
   */
  public ExportOperation exportUsers(UUID organizationId, String filter) {
    return exports.start(organizationId, filter);
  }

  /**
   * An operation of the organization.
   *
   * @throws OperationNotFoundException if it has none with that id (or it has expired)
   */
  public ExportOperation getOperation(UUID organizationId, UUID operationId) {
    return exports.get(organizationId, operationId);
  }

  /**
   * One page of the organization's operations, oldest first.
   *
   * @throws InvalidArgumentException naming {@code page_token} when its position does not fit
   */
  public Page<ExportOperation> listOperations(UUID organizationId, ListQuery query) {
    return exports.list(organizationId, query);
  }

  /**
   * Opens a finished export's file, the users as gzip-compressed NDJSON, for reading; the caller
   * closes the stream. Reading it may block (a file), so keep it off event-loop threads.
   *
   * @throws OperationNotFoundException if the organization has no such operation (or it expired)
   * @throws ExportNotReadyException if the export has not finished, or finished without a file
   * @throws ExportFileMissingException if its file is not on this process's storage
   */
  public InputStream readExport(UUID organizationId, UUID operationId) {
    return exports.read(organizationId, operationId);
  }

  /**
   * Deletes the exports (operations and files) that expired by {@code now}; returns how many. The
   * recurring job of {@link #recurringJobs()} calls it with the context's clock.
   */
  public int expireExports(Instant now) {
    return exports.expire(now);
  }

  /**
   * Asks the operation to stop; the worker stops at its next page. A finished one is unchanged.
   *
   * @throws OperationNotFoundException if the organization has none with that id
   */
  public ExportOperation cancelOperation(UUID organizationId, UUID operationId) {
    return exports.cancel(organizationId, operationId);
  }

  /**
   * Requires the organization to be live and keeps it so until {@code handle}'s transaction ends
   * (a shared row lock: a concurrent delete waits for that transaction, then finds what it wrote).
   * For other contexts that write rows belonging to an organization: call it inside the writing
   * transaction, so the check and the write cannot be split by a delete.
   *
   * @throws OrganizationNotFoundException if the organization does not exist
   * @throws OrganizationDeletedException if it is deleted
   */
  public void requireLiveOrganization(Handle handle, UUID organizationId) {
    Organizations.requireLive(handle, organizationId);
  }

  /**
   * Creates an organization with a new UUIDv7 id. With a {@code requestId}, a repeat of the call
   * (even one racing the first) returns the organization the first call created.
   *
   * @throws SlugTakenException if a live organization has the slug
   */
  public Organization createOrganization(NewOrganization org, Optional<UUID> requestId) {
    return organizations.create(org, requestId);
  }

  /**
   * Returns the organization, deleted or not.
   *
   * @throws OrganizationNotFoundException if there is none with that id
   */
  public Organization getOrganization(UUID id) {
    return organizations.get(id, Set.of());
  }

  /**
   * Returns the organization with only {@code fields} read (and set); the others are null. Empty
   * means every field.
   *
   * @throws OrganizationNotFoundException if there is none with that id
   */
  public Organization getOrganization(UUID id, Set<String> fields) {
    return organizations.get(id, fields);
  }

  /**
   * One page of organizations, filtered ({@code slug}, {@code display_name}, {@code create_time}),
   * ordered ({@code slug}, {@code display_name}, {@code create_time}; default create_time) and
   * paged by keyset in the database.
   *
   * @throws InvalidArgumentException naming {@code filter} or {@code order_by} when either is bad,
   *     or {@code page_token} when its position does not fit the order; all before any read
   */
  public Page<Organization> listOrganizations(ListQuery query) {
    return organizations.list(query);
  }

  /**
   * Changes the given fields of a live organization.
   *
   * @throws OrganizationNotFoundException if there is none with that id
   * @throws OrganizationDeletedException if it is deleted
   * @throws SlugTakenException if another live organization has the new slug
   */
  public Organization updateOrganization(
      UUID id, OrganizationChanges changes, Optional<String> etag) {
    return organizations.update(id, changes, etag);
  }

  /**
   * Soft-deletes an organization; with {@code force}, its live users too.
   *
   * @throws OrganizationNotFoundException if there is none with that id
   * @throws OrganizationDeletedException if it is already deleted
   * @throws OrganizationHasUsersException if it has live users and {@code force} is false
   */
  public Organization deleteOrganization(UUID id, Optional<String> etag, boolean force) {
    return organizations.delete(id, etag, force);
  }

  /**
   * Restores a soft-deleted organization.
   *
   * @throws OrganizationNotFoundException if there is none with that id
   * @throws OrganizationNotDeletedException if it is not deleted
   * @throws SlugTakenException if a live organization has taken its slug meanwhile
   */
  public Organization undeleteOrganization(UUID id, Optional<String> etag) {
    return organizations.undelete(id, etag);
  }

  /**
   * Creates an active user in a live organization. With a {@code requestId}, a repeat of the call
   * (even one racing the first) returns the user the first call created.
   *
   * @throws OrganizationNotFoundException if the organization does not exist
   * @throws OrganizationDeletedException if the organization is deleted
   * @throws HandleTakenException if a live user of the organization has the handle
   * @throws EmailTakenException if a live user of the organization has the email, ignoring case
   */
  public User createUser(UUID organizationId, NewUser user, Optional<UUID> requestId) {
    return users.create(organizationId, user, requestId);
  }

  /**
   * Returns the user, deleted or not.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   */
  public User getUser(UUID organizationId, UUID userId) {
    return users.get(organizationId, userId, Set.of());
  }

  /**
   * Returns the user with only {@code fields} read (and set); the others are null. Empty means
   * every field.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   */
  public User getUser(UUID organizationId, UUID userId, Set<String> fields) {
    return users.get(organizationId, userId, fields);
  }

  /**
   * One page of the organization's users, filtered ({@code handle}, {@code email},
   * {@code display_name}, {@code status}, {@code create_time}, {@code update_time}), ordered
   * ({@code handle}, {@code email}, {@code display_name}, {@code create_time},
   * {@code update_time}; default create_time) and paged by keyset in the database.
   *
   * @throws InvalidArgumentException naming {@code filter} or {@code order_by} when either is bad,
   *     or {@code page_token} when its position does not fit the order; all before any read
   * @throws OrganizationNotFoundException if the organization does not exist
   */
  public Page<User> listUsers(UUID organizationId, ListQuery query) {
    return users.list(organizationId, query);
  }

  /**
   * The organization's users with these ids, in the same order (repeats included).
   *
   * @throws UserNotFoundException for the first id the organization has no user with
   */
  public List<User> batchGetUsers(UUID organizationId, List<UUID> userIds, Set<String> fields) {
    return users.batchGet(organizationId, userIds, fields);
  }

  /**
   * Finds the organization's live user with this handle.
   *
   * @throws UserNotFoundByKeyException if there is none
   */
  public User lookupUserByHandle(UUID organizationId, String handle, Set<String> fields) {
    return users.lookupByHandle(organizationId, handle, fields);
  }

  /**
   * Finds the organization's live user with this email, ignoring case.
   *
   * @throws UserNotFoundByKeyException if there is none
   */
  public User lookupUserByEmail(UUID organizationId, String email, Set<String> fields) {
    return users.lookupByEmail(organizationId, email, fields);
  }

  /**
   * Changes the given fields of a live user.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   * @throws UserDeletedException if the user is deleted
   * @throws HandleTakenException if another live user has the new handle
   * @throws EmailTakenException if another live user has the new email
   */
  public User updateUser(UUID organizationId, UUID userId, UserChanges changes,
      Optional<String> etag) {
    return users.update(organizationId, userId, changes, etag);
  }

  /**
   * Soft-deletes a user; its handle and email become free.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   * @throws UserDeletedException if the user is already deleted
   */
  public User deleteUser(UUID organizationId, UUID userId, Optional<String> etag) {
    return users.delete(organizationId, userId, etag);
  }

  /**
   * Restores a soft-deleted user.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   * @throws UserNotDeletedException if the user is not deleted
   * @throws OrganizationDeletedException if its organization is deleted
   * @throws HandleTakenException if a live user has taken its handle meanwhile
   * @throws EmailTakenException if a live user has taken its email meanwhile
   */
  public User undeleteUser(UUID organizationId, UUID userId, Optional<String> etag) {
    return users.undelete(organizationId, userId, etag);
  }

  /**
   * Suspends a live user; a suspended one is returned unchanged.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   * @throws UserDeletedException if the user is deleted
   */
  public User suspendUser(UUID organizationId, UUID userId, Optional<String> etag) {
    return users.setStatus(organizationId, userId, UserStatus.SUSPENDED, etag);
  }

  /**
   * Reactivates a live user; an active one is returned unchanged.
   *
   * @throws UserNotFoundException if the organization has no user with that id
   * @throws UserDeletedException if the user is deleted
   */
  public User reactivateUser(UUID organizationId, UUID userId, Optional<String> etag) {
    return users.setStatus(organizationId, userId, UserStatus.ACTIVE, etag);
  }
}
