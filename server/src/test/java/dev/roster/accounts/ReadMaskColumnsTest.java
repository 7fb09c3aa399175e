package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** A read mask narrows the SQL select list, not just the response. */
class ReadMaskColumnsTest {
  @Test
  void users_onlyAskedColumnsAndIds() {
    assertThat(UserStore.columns(Set.of("email"))).isEqualTo("organization_id, id, email");
    assertThat(UserStore.columns(Set.of("name"))).isEqualTo("organization_id, id");
    assertThat(UserStore.columns(Set.of("etag", "handle"))).isEqualTo("organization_id, id, handle, version");
    assertThat(UserStore.columns(Set.of())).contains("email", "display_name", "delete_time", "version");
  }

  @Test
  void organizations_onlyAskedColumnsAndId() {
    assertThat(OrganizationStore.columns(Set.of("slug"))).isEqualTo("id, slug");
  }
}
