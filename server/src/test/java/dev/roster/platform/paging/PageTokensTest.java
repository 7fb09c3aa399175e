package dev.roster.platform.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.query.Position;
import dev.roster.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PageTokensTest {
  private static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String KEY_B = Base64.getEncoder().encodeToString("b".repeat(32).getBytes());
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  private final Position position = Position.of(new Position.Text("ada"),
      new Position.Timestamp(Instant.parse("2026-01-02T03:04:05.123456Z")),
      new Position.Uuid(UUID.fromString("01a212fc-c362-70c0-acef-c9e279f35827")),
      new Position.Int64(42L));

  private static PageTokens tokens(SigningKeys keys, Instant now) {
    return new PageTokens(keys, Clock.fixed(now, ZoneOffset.UTC), Duration.ofDays(3));
  }

  @Test
  void open_issuedToken_returnsPosition() {
    PageTokens tokens = tokens(SigningKeys.fromConfig(List.of(KEY_A)), NOW);
    assertThat(tokens.open(tokens.issue("q", position), "q")).isEqualTo(position);
  }

  @Test
  void open_anyFlippedCharacter_isInvalid() {
    PageTokens tokens = tokens(SigningKeys.fromConfig(List.of(KEY_A)), NOW);
    String token = tokens.issue("q", position);
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      String tampered = token.substring(0, i) + (c == 'A' ? 'B' : 'A') + token.substring(i + 1);
      assertThatThrownBy(() -> tokens.open(tampered, "q"))
          .isInstanceOfSatisfying(InvalidArgumentException.class, e ->
              assertThat(e.violations().get(0).field()).isEqualTo("page_token"));
    }
  }

  @Test
  void open_garbage_isInvalidNotACrash() {
    PageTokens tokens = tokens(SigningKeys.fromConfig(List.of(KEY_A)), NOW);
    for (String garbage : List.of("x", "!!!", "AAAA", "a".repeat(5000), "\u0000")) {
      assertThatThrownBy(() -> tokens.open(garbage, "q"))
          .isInstanceOfSatisfying(InvalidArgumentException.class,
              e -> assertThat(e.reason()).isEqualTo("INVALID_PAGE_TOKEN"));
    }
  }

  @Test
  void open_otherBinding_isMismatch() {
    PageTokens tokens = tokens(SigningKeys.fromConfig(List.of(KEY_A)), NOW);
    String token = tokens.issue("filter=a", position);
    assertThatThrownBy(() -> tokens.open(token, "filter=b"))
        .isInstanceOfSatisfying(InvalidArgumentException.class,
            e -> assertThat(e.reason()).isEqualTo("PAGE_TOKEN_MISMATCH"));
  }

  @Test
  void open_afterTtl_isExpired() {
    SigningKeys keys = SigningKeys.fromConfig(List.of(KEY_A));
    String token = tokens(keys, NOW).issue("q", position);
    assertThat(tokens(keys, NOW.plus(Duration.ofDays(3)).minusSeconds(1)).open(token, "q"))
        .isEqualTo(position);
    assertThatThrownBy(() -> tokens(keys, NOW.plus(Duration.ofDays(3)).plusSeconds(1)).open(token, "q"))
        .isInstanceOfSatisfying(InvalidArgumentException.class,
            e -> assertThat(e.reason()).isEqualTo("PAGE_TOKEN_EXPIRED"));
  }

  @Test
  void configuredRotation_newKeySigns_oldKeyStillAccepted_retiredKeyRefused() {
    String oldToken = tokens(SigningKeys.fromConfig(List.of(KEY_A)), NOW).issue("q", position);
    PageTokens rotated = tokens(SigningKeys.fromConfig(List.of(KEY_B, KEY_A)), NOW);
    assertThat(rotated.open(oldToken, "q")).isEqualTo(position);

    String newToken = rotated.issue("q", position);
    PageTokens retired = tokens(SigningKeys.fromConfig(List.of(KEY_B)), NOW);
    assertThat(retired.open(newToken, "q")).isEqualTo(position);
    assertThatThrownBy(() -> retired.open(oldToken, "q")).isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void databaseKeys_sharedByReplicas_andRotationIsPickedUpByOthers() {
    var jdbi = TestDatabase.database().jdbi();
    Instant[] now = {NOW};
    Clock clock = new Clock() {
      @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
      @Override public Instant instant() { return now[0]; }
    };
    PageTokens replicaA = new PageTokens(SigningKeys.fromDatabase(jdbi, clock), clock, Duration.ofDays(3));
    PageTokens replicaB = new PageTokens(SigningKeys.fromDatabase(jdbi, clock), clock, Duration.ofDays(3));
    String fromA = replicaA.issue("q", position);
    assertThat(replicaB.open(fromA, "q")).isEqualTo(position);

    SigningKeys.rotate(jdbi);
    PageTokens replicaC = new PageTokens(SigningKeys.fromDatabase(jdbi, clock), clock, Duration.ofDays(3));
    String fromC = replicaC.issue("q", position);
    now[0] = now[0].plus(SigningKeys.RELOAD_INTERVAL).plusSeconds(1);
    // B has not seen the new key yet: it reloads the keys and accepts C's token.
    assertThat(replicaB.open(fromC, "q")).isEqualTo(position);
    assertThat(replicaC.open(fromA, "q")).isEqualTo(position);
  }
}
