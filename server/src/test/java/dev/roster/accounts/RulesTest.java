package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.errors.Violations;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RulesTest {
  @ParameterizedTest
  @ValueSource(strings = {"abc", "acme-corp", "a1b", "x-2-y", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"})
  void slug_valid(String value) {
    Violations v = new Violations();
    Rules.slug(v, "slug", value);
    assertThat(v.isEmpty()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ab", "Acme", "1abc", "abc-", "a_bc", "ab c", "ab\u0000c", "caf\u00e9",
      "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"})
  void slug_invalid(String value) {
    Violations v = new Violations();
    Rules.slug(v, "slug", value);
    assertThat(v.isEmpty()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ada@example.com", "Ada.Lovelace+tag@mail.example.co.uk", "x@a-b.io"})
  void email_valid(String value) {
    Violations v = new Violations();
    Rules.email(v, "email", value);
    assertThat(v.isEmpty()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com",
      "a da@example.com", "ada@exa_mple.com", "ada@-example.com", "ada.@example.com", "ada@example.com\n"})
  void email_invalid(String value) {
    Violations v = new Violations();
    Rules.email(v, "email", value);
    assertThat(v.isEmpty()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tab\there", "new\nline", "bell\u0007", "rtl\u202Eoverride", "sep\u2028line"})
  void displayName_forbiddenCharacters(String value) {
    Violations v = new Violations();
    Rules.displayName(v, "display_name", value);
    assertThat(v.isEmpty()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Ada Lovelace", "Zoë Ñandú 山田", "emoji \uD83D\uDE00"})
  void displayName_allowed(String value) {
    Violations v = new Violations();
    Rules.displayName(v, "display_name", value);
    assertThat(v.isEmpty()).isTrue();
  }

  @org.junit.jupiter.api.Test
  void displayName_countsCodePointsNotUtf16Units() {
    Violations ok = new Violations();
    Rules.displayName(ok, "display_name", "\uD83D\uDE00".repeat(200));
    assertThat(ok.isEmpty()).isTrue();
    Violations tooLong = new Violations();
    Rules.displayName(tooLong, "display_name", "a".repeat(201));
    assertThat(tooLong.isEmpty()).isFalse();
  }
}
