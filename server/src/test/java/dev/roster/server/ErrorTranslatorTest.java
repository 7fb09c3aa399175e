package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.roster.access.AdminRequiredException;
import dev.roster.access.ApiKeyExpiredException;
import dev.roster.access.ApiKeyInvalidException;
import dev.roster.access.ApiKeyMalformedException;
import dev.roster.access.ApiKeyMissingException;
import dev.roster.access.ApiKeyNotFoundException;
import dev.roster.access.ApiKeyRevokedException;
import dev.roster.access.LifetimeEscalationException;
import dev.roster.access.RateLimit;
import dev.roster.access.RateLimitEscalationException;
import dev.roster.access.Scope;
import dev.roster.access.ScopeEscalationException;
import dev.roster.access.ScopeRequiredException;
import dev.roster.access.TenantForbiddenException;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.errors.RosterException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ErrorTranslatorTest {
  @Test
  void everyCategory_hasItsOwnSpecificStatus() {
    Class<?>[] categories = RosterException.class.getPermittedSubclasses();
    assertThat(categories).isNotEmpty();
    Set<Code> codes = new HashSet<>();
    for (Class<?> category : categories) {
      Code code = ErrorTranslator.codeOf(category.asSubclass(RosterException.class));
      assertThat(code).as("status of %s", category.getSimpleName())
          .isNotIn(Code.OK, Code.UNKNOWN, Code.INTERNAL, Code.UNRECOGNIZED);
      assertThat(codes.add(code)).as("%s shares %s with another category",
          category.getSimpleName(), code).isTrue();
    }
  }

  @Test
  void rule_getsItsCategoryStatusReasonAndMetadata() throws Exception {
    UUID id = UUID.randomUUID();
    StatusRuntimeException e = ErrorTranslator.translate(new ApiKeyNotFoundException(id), "svc/M");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).isEqualTo("API key " + id + " does not exist");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("API_KEY_NOT_FOUND");
    assertThat(info.getDomain()).isEqualTo("roster.dev");
    assertThat(info.getMetadataMap()).containsEntry("apiKeyId", id.toString());
  }

  @Test
  void authRules_keepTheirWireReasonsMessagesAndMetadata() throws Exception {
    UUID org = UUID.fromString("0190a5b4-0000-7000-8000-000000000001");
    Instant expiry = Instant.parse("2030-01-02T03:04:05Z");
    Code unauthenticated = Code.UNAUTHENTICATED;
    Code denied = Code.PERMISSION_DENIED;

    assertWire(new ApiKeyMissingException(), unauthenticated, "API_KEY_MISSING",
        "this call needs an API key: send the header \"authorization: Bearer <key>\"", Map.of());
    assertWire(new ApiKeyMalformedException(), unauthenticated, "API_KEY_MALFORMED",
        "the authorization header does not carry a Roster API key", Map.of());
    assertWire(new ApiKeyMalformedException("the authorization header must be \"Bearer <key>\""),
        unauthenticated, "API_KEY_MALFORMED", "the authorization header must be \"Bearer <key>\"",
        Map.of());
    assertWire(new ApiKeyInvalidException(), unauthenticated, "API_KEY_INVALID",
        "the API key is not valid", Map.of());
    assertWire(new ApiKeyRevokedException(), unauthenticated, "API_KEY_REVOKED",
        "the API key has been revoked", Map.of());
    assertWire(new ApiKeyExpiredException(), unauthenticated, "API_KEY_EXPIRED",
        "the API key has expired", Map.of());
    assertWire(new TenantForbiddenException(org), denied, "TENANT_FORBIDDEN",
        "this API key may not access organizations/" + org,
        Map.of("resource", "organizations/" + org));
    assertWire(new ScopeRequiredException(Scope.KEYS_MANAGE), denied, "SCOPE_REQUIRED",
        "this API key lacks the scope KEYS_MANAGE needed here", Map.of("scope", "KEYS_MANAGE"));
    assertWire(new ScopeEscalationException(Scope.ACCOUNTS_WRITE), denied, "SCOPE_ESCALATION",
        "this API key cannot grant the scope ACCOUNTS_WRITE it does not have",
        Map.of("scope", "ACCOUNTS_WRITE"));
    assertWire(new RateLimitEscalationException(new RateLimit(5, 10)), denied,
        "RATE_LIMIT_ESCALATION", "this API key cannot grant a rate limit above its own (5/s,"
            + " burst 10)", Map.of("limitPerSecond", "5", "burst", "10"));
    assertWire(new LifetimeEscalationException(expiry), denied, "LIFETIME_ESCALATION",
        "this API key cannot grant a key that outlives it (2030-01-02T03:04:05Z)",
        Map.of("expireTime", "2030-01-02T03:04:05Z"));
    assertWire(new AdminRequiredException(), denied, "ADMIN_REQUIRED",
        "only a platform-admin API key may do this", Map.of());
    assertWire(new RateLimitExceededException(new RateLimit(5, 10), Duration.ofMillis(1500)),
        Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED", "rate limit of 5 requests per second"
            + " (burst 10) exceeded for this API key; retry after 1500 ms",
        Map.of("limitPerSecond", "5", "burst", "10"));
    assertWire(new AuthFailuresExceededException("10.0.0.7", AuthBrake.Budget.UNKNOWN_KEYS,
            Duration.ofMillis(200)), Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED",
        "too many failed authentications from this address (lookups of unknown key ids); retry"
            + " after 200 ms",
        Map.of("peer", "10.0.0.7", "budget", "unknownKeys"));
  }

  private static void assertWire(RosterException rule, Code code, String reason, String message,
      Map<String, String> metadata) throws Exception {
    StatusRuntimeException e = ErrorTranslator.translate(rule, "svc/M");
    assertThat(e.getStatus().getCode().value()).as(reason).isEqualTo(code.getNumber());
    assertThat(e.getStatus().getDescription()).as(reason).isEqualTo(message);
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo(reason);
    assertThat(info.getMetadataMap()).as(reason).isEqualTo(metadata);
  }

  @Test
  void invalidArgument_carriesBadRequestAndResourceExhaustedRetryInfo() throws Exception {
    StatusRuntimeException bad = ErrorTranslator.translate(
        InvalidArgumentException.of("page_size", "INVALID_VALUE", "must not be negative"), "svc/M");
    StatusRuntimeException limited = ErrorTranslator.translate(
        new RateLimitExceededException(new RateLimit(5, 10), Duration.ofMillis(1500)), "svc/M");

    assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(StatusProto.fromThrowable(bad).getDetails(1).unpack(BadRequest.class)
        .getFieldViolations(0).getField()).isEqualTo("page_size");
    assertThat(limited.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(StatusProto.fromThrowable(limited).getDetails(1).unpack(RetryInfo.class)
        .getRetryDelay().getNanos()).isEqualTo(500_000_000);
  }

  @Test
  void unexpectedException_internalWithIncidentAndNoInternals() throws Exception {
    StatusRuntimeException e = ErrorTranslator.translate(
        new IllegalStateException("password=hunter2 at dev.roster.Secret"), "svc/Method");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).doesNotContain("hunter2").doesNotContain("Secret");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("INTERNAL");
    assertThat(e.getStatus().getDescription()).contains(info.getMetadataOrThrow("incident"));
  }

  @Test
  void databaseUnreachable_unavailableSoCallersRetry() throws Exception {
    StatusRuntimeException e = ErrorTranslator.translate(
        new RuntimeException(new SQLTransientConnectionException("pool timed out")), "svc/Method");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class).getReason())
        .isEqualTo("DATABASE_UNAVAILABLE");
    assertThat(retryDelay(e)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void databaseRestarting_unavailableWithRetryInfo_notInternal() throws Exception {
    // What sessions get when PostgreSQL shuts down (57P01) and connections while it starts (57P03).
    for (String state : new String[] {"57P01", "57P03", "08006"}) {
      StatusRuntimeException e = ErrorTranslator.translate(
          new RuntimeException(new SQLException("terminating connection", state)), "svc/Method");

      assertThat(e.getStatus().getCode()).as(state).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(retryDelay(e)).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void statementCancelledForTime_deadlineExceededWhileTheDatabaseIsUp_unavailableWhileDown()
      throws Exception {
    RuntimeException cancelled = new RuntimeException(
        new SQLException("canceling statement due to user request", "57014"));

    assertThat(ErrorTranslator.translate(cancelled, "svc/Method", true).getStatus().getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    StatusRuntimeException down = ErrorTranslator.translate(cancelled, "svc/Method", false);
    assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(StatusProto.fromThrowable(down).getDetails(0).unpack(ErrorInfo.class).getReason())
        .isEqualTo("DATABASE_UNAVAILABLE");
    assertThat(retryDelay(down)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void otherFailures_whileTheDatabaseIsDown_stayInternalUnlessTheyComeFromIt() {
    assertThat(ErrorTranslator.translate(new IllegalStateException("a bug"), "svc/Method", false)
        .getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(ErrorTranslator.translate(new RuntimeException(new SQLException("syntax", "42601")),
        "svc/Method", true).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(ErrorTranslator.translate(new RuntimeException(new SQLException("syntax", "42601")),
        "svc/Method", false).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private static Duration retryDelay(StatusRuntimeException e) throws Exception {
    for (var detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        var delay = detail.unpack(RetryInfo.class).getRetryDelay();
        return Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
      }
    }
    throw new AssertionError("no RetryInfo in " + e);
  }
}
