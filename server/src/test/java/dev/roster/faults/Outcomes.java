package dev.roster.faults;

import dev.roster.faults.WriteLoad.Acknowledged;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.PostgresProcess;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What a fault did to the data, read from PostgreSQL directly (not through Roster) and by replaying
 * requests: acknowledged users that are missing or differ, users created more than once, and
 * retries that did not return the first attempt's user.
 */
final class Outcomes {
  private Outcomes() {}

  /** A user row as PostgreSQL has it. */
  record Row(String name, String handle, String email, String displayName, String requestId) {}

  /**
   * The writers' users of {@code organization} ({@code organizations/{uuid}}) by request_id, and
   * every (lower) email that has more than one row.
   */
  record Stored(Map<String, List<Row>> byRequestId, List<String> duplicateEmails) {}

  static Stored stored(PostgresProcess postgres, String organization) throws SQLException {
    UUID org = UUID.fromString(organization.substring("organizations/".length()));
    Map<String, List<Row>> byRequestId = new HashMap<>();
    List<String> duplicates = new ArrayList<>();
    try (Connection c = postgres.connect()) {
      try (PreparedStatement s = c.prepareStatement("""
          select id, handle, email, display_name, request_id from users
           where organization_id = ? and request_id is not null""")) {
        s.setObject(1, org);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            Row row = new Row(organization + "/users/" + r.getObject(1), r.getString(2),
                r.getString(3), r.getString(4), r.getObject(5).toString());
            byRequestId.computeIfAbsent(row.requestId(), k -> new ArrayList<>()).add(row);
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("""
          select lower(email) from users where organization_id = ?
           group by lower(email) having count(*) > 1""")) {
        s.setObject(1, org);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            duplicates.add(r.getString(1));
          }
        }
      }
    }
    return new Stored(byRequestId, duplicates);
  }

  /** Acknowledged requests whose user is not stored exactly once, exactly as acknowledged. */
  static List<String> lostOrChanged(Map<String, Acknowledged> acknowledged, Stored stored) {
    List<String> problems = new ArrayList<>();
    acknowledged.forEach((requestId, ack) -> {
      List<Row> rows = stored.byRequestId().getOrDefault(requestId, List.of());
      if (rows.size() != 1) {
        problems.add(requestId + ": " + rows.size() + " rows for " + ack.name());
        return;
      }
      Row row = rows.get(0);
      if (!row.name().equals(ack.name()) || !row.email().equals(ack.request().email())
          || !row.handle().equals(ack.request().handle())
          || !row.displayName().equals(ack.request().displayName())) {
        problems.add(requestId + ": acknowledged " + ack.name() + ", stored " + row);
      }
    });
    return problems;
  }

  /** Request_ids with more than one stored user (any request, acknowledged or not). */
  static List<String> duplicatedRequests(Stored stored) {
    return stored.byRequestId().entrySet().stream().filter(e -> e.getValue().size() > 1)
        .map(Map.Entry::getKey).toList();
  }

  /**
   * Sends up to {@code max} acknowledged requests again with their request_id and returns those
   * whose answer is not the acknowledged user (a retry must return the first attempt's user).
   */
  static List<String> replayMismatches(Channel channel, CallCredentials credentials, String parent,
      Map<String, Acknowledged> acknowledged, int max) {
    var stub = AccountsServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
    List<String> mismatches = new ArrayList<>();
    acknowledged.values().stream().limit(max).forEach(ack -> {
      try {
        User again = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .createUser(ack.request().proto(parent));
        if (!again.getName().equals(ack.name())) {
          mismatches.add(ack.request().requestId() + ": first " + ack.name() + ", again "
              + again.getName());
        }
      } catch (io.grpc.StatusRuntimeException e) {
        mismatches.add(ack.request().requestId() + ": retry failed with " + e.getStatus());
      }
    });
    return mismatches;
  }
}
