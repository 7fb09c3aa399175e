package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Position;
import dev.roster.testing.TestDatabase;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * A list request is parsed and checked (filter, order_by, the page token's position) before the
 * context takes a connection: a bad request costs the database nothing, and is reported as such
 * even when its parent does not exist.
 */
class ListValidationTest {
  private static final UUID NO_SUCH_ORG = UUID.fromString("01a212fc-c362-70c0-acef-c9e279f35827");

  private final AtomicInteger connections = new AtomicInteger();
  private final Accounts accounts = new Accounts(Jdbi.create(() -> {
    connections.incrementAndGet();
    return DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "");
  }), Clock.systemUTC());

  private static ListQuery query(String filter, String orderBy, Optional<Position> after) {
    return new ListQuery(10, filter, orderBy, false, after, Set.of());
  }

  private void assertRejectedWithoutConnection(Runnable call, String field, String reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(InvalidArgumentException.class, e -> {
          assertThat(e.violations().get(0).field()).isEqualTo(field);
          assertThat(e.violations().get(0).reason()).isEqualTo(reason);
        });
    assertThat(connections).hasValue(0);
  }

  @Test
  void listUsers_unknownOrderByField_rejectedBeforeTheOrganizationIsRead() {
    assertRejectedWithoutConnection(
        () -> accounts.listUsers(NO_SUCH_ORG, query("", "secret_hash", Optional.empty())),
        "order_by", "UNKNOWN_ORDER_BY_FIELD");
  }

  @Test
  void listUsers_badFilter_rejectedBeforeTheOrganizationIsRead() {
    assertRejectedWithoutConnection(
        () -> accounts.listUsers(NO_SUCH_ORG, query("password = x", "", Optional.empty())),
        "filter", "UNKNOWN_FILTER_FIELD");
  }

  @Test
  void listUsers_filterTooLong_oneCheckWithOneReason() {
    assertRejectedWithoutConnection(
        () -> accounts.listUsers(NO_SUCH_ORG, query("handle = " + "a".repeat(2000), "",
            Optional.empty())),
        "filter", "FILTER_TOO_COMPLEX");
  }

  @Test
  void listUsers_positionOfAnotherOrder_rejectedAsPageToken() {
    // A position of "handle" order (text, id) handed to the default order (timestamp, id).
    Position byHandle = Position.of(new Position.Text("ada"), new Position.Uuid(NO_SUCH_ORG));
    assertRejectedWithoutConnection(
        () -> accounts.listUsers(NO_SUCH_ORG, query("", "", Optional.of(byHandle))),
        "page_token", "INVALID_PAGE_TOKEN");
  }

  @Test
  void listOrganizations_positionWithTooFewValues_rejectedAsPageToken() {
    Position short1 = Position.of(new Position.Timestamp(Instant.EPOCH));
    assertRejectedWithoutConnection(
        () -> accounts.listOrganizations(query("", "", Optional.of(short1))),
        "page_token", "INVALID_PAGE_TOKEN");
  }

  @Test
  void listOperations_positionOfAnotherType_rejectedAsPageToken() {
    Position wrong = Position.of(new Position.Int64(1L), new Position.Uuid(NO_SUCH_ORG));
    assertRejectedWithoutConnection(
        () -> accounts.listOperations(NO_SUCH_ORG, query("", "", Optional.of(wrong))),
        "page_token", "INVALID_PAGE_TOKEN");
  }

  @Test
  void listUsers_validRequestOfMissingOrganization_readsAndThrowsNotFound() {
    assertThatThrownBy(() -> accounts.listUsers(NO_SUCH_ORG, query("handle = ada", "handle desc",
        Optional.empty())))
        .isInstanceOf(OrganizationNotFoundException.class);
    assertThat(connections).hasValue(1);
  }
}
