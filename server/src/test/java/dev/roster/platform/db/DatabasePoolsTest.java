package dev.roster.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.testing.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabasePoolsTest {
  @Test
  void open_givesEachRequestedPoolItsNameAndNoOther() {
    try (DatabasePools pools = DatabasePools.open(TestDatabase.settings(),
        Map.of(Pool.AUTH, 1, Pool.JOBS_CONTROL, 1))) {
      assertThat(pools.pools()).containsExactlyInAnyOrder(Pool.AUTH, Pool.JOBS_CONTROL);
      String applicationName = pools.jdbi(Pool.AUTH).withHandle(h -> h.createQuery(
          "select current_setting('application_name')").mapTo(String.class).one());
      assertThat(applicationName).isEqualTo("roster-auth");
      int one = pools.jdbi(Pool.JOBS_CONTROL).withHandle(h -> h.createQuery("select 1")
          .mapTo(Integer.class).one());
      assertThat(one).isEqualTo(1);
      assertThatThrownBy(() -> pools.jdbi(Pool.API))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("roster-api");
    }
  }

  @Test
  void open_poolWithoutConnections_isRefused() {
    assertThatThrownBy(() -> DatabasePools.open(TestDatabase.settings(), Map.of(Pool.JOBS, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("roster-jobs");
  }
}
