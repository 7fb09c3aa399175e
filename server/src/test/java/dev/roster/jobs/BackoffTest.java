package dev.roster.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delay_withoutJitter_doublesFromBaseUpToCap() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 0);

    assertThat(b.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.delay(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.delay(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(b.delay(4)).isEqualTo(Duration.ofSeconds(8));
    assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.delay(1000)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void delay_withJitter_staysWithinTheBandAndVaries() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofHours(1), 0.1);
    var seen = new java.util.HashSet<Duration>();
    for (int i = 0; i < 200; i++) {
      Duration d = b.delay(3);
      assertThat(d).isBetween(Duration.ofMillis(3600), Duration.ofMillis(4400));
      seen.add(d);
    }
    assertThat(seen.size()).isGreaterThan(10);
  }

  @Test
  void backoff_badSettings_areRejected() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
