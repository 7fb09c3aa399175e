package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** OperationName and ApiKeyName round-trips and refusals, and PollingSettings' growth. */
class ResourceNamesTest {
  private static final UUID ORG = UUID.fromString("01a212fd-929d-727c-b1f9-2cfb3185c05e");
  private static final UUID ID = UUID.fromString("01a21301-4d2e-7f10-9a3b-5c6d7e8f9a0b");

  @Test
  void operationName_formatsParsesAndRefuses() {
    String text = "organizations/" + ORG + "/operations/" + ID;
    assertThat(OperationName.format(ORG, ID)).isEqualTo(text);
    assertThat(OperationName.parse(text)).isEqualTo(OperationName.of(ORG, ID));
    assertThat(OperationName.parse(text).organization()).isEqualTo(OrganizationName.of(ORG));
    assertThat(OperationName.isParsableFrom(text)).isTrue();
    for (String bad : new String[] {"organizations/" + ORG + "/users/" + ID,
        text.toUpperCase(), text + "/", "operations/" + ID, ""}) {
      assertThat(OperationName.isParsableFrom(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> OperationName.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an operation name");
    }
    assertThat(OperationName.isParsableFrom(null)).isFalse();
  }

  @Test
  void apiKeyName_organizationAndPlatformForms() {
    String orgKey = "organizations/" + ORG + "/apiKeys/" + ID;
    assertThat(ApiKeyName.parse(orgKey)).isEqualTo(ApiKeyName.of(ORG, ID));
    assertThat(ApiKeyName.parse(orgKey).toString()).isEqualTo(orgKey);
    assertThat(ApiKeyName.format(ORG, ID)).isEqualTo(orgKey);
    assertThat(ApiKeyName.parse(orgKey).organization()).contains(OrganizationName.of(ORG));
    assertThat(ApiKeyName.parse(orgKey).isPlatform()).isFalse();

    ApiKeyName platform = ApiKeyName.parse("apiKeys/" + ID);
    assertThat(platform).isEqualTo(ApiKeyName.platform(ID));
    assertThat(platform.isPlatform()).isTrue();
    assertThat(platform.organization()).isEmpty();
    assertThat(platform.toString()).isEqualTo("apiKeys/" + ID);

    for (String bad : new String[] {"organizations/" + ORG + "/apikeys/" + ID, "apiKeys/" + ID + "/",
        "organizations/" + ORG, "apiKeys/not-a-uuid"}) {
      assertThat(ApiKeyName.isParsableFrom(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> ApiKeyName.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ApiKeyName.of(null, ID)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void pollingSettings_growByTheMultiplierUpToTheMaximum() {
    PollingSettings s = PollingSettings.defaults();
    assertThat(s.initialDelay()).isEqualTo(Duration.ofMillis(500));
    Duration d = s.initialDelay();
    StringBuilder seen = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      seen.append(d.toMillis()).append(' ');
      d = s.next(d);
    }
    assertThat(seen.toString().trim()).isEqualTo("500 750 1125 1687 2531 3796 5000 5000");
    assertThatThrownBy(() -> new PollingSettings(Duration.ZERO, 1.5, Duration.ofSeconds(1),
        Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PollingSettings(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1),
        Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PollingSettings(Duration.ofSeconds(2), 1.5, Duration.ofSeconds(1),
        Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
  }
}
