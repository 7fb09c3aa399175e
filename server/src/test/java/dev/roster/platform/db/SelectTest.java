package dev.roster.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The statement text a Select builds: values only ever as named parameters. */
class SelectTest {
  private static final UUID ID = new UUID(1, 2);

  @Test
  void sql_lookupWithLock_predicatesThenLock() {
    Select select = Select.from("users", "organization_id, id")
        .whereEquals("organization_id", ID)
        .where(new Select.By("handle = :key and delete_time is null"), "ada")
        .lock(Select.Lock.SHARE);

    assertThat(select.sql()).isEqualTo("select organization_id, id from users"
        + " where organization_id = :organization_id and handle = :key and delete_time is null"
        + " for share");
    assertThat(select.params()).containsExactly(Map.entry("organization_id", ID),
        Map.entry("key", "ada"));
  }

  @Test
  void sql_orderAndLimit_limitBound() {
    Select select = Select.from("t", "id").columns("name as sort_0").orderBy("name asc").limit(51);

    assertThat(select.sql())
        .isEqualTo("select id, name as sort_0 from t order by name asc limit :limit");
    assertThat(select.params()).containsExactly(Map.entry("limit", 51));
  }
}
