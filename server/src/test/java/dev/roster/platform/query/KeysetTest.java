package dev.roster.platform.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.db.Select;
import dev.roster.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Paging with the one keyset query on the real PostgreSQL: for every order, walking page by page
 * (through positions, as tokens carry them) visits each row once, in the order one query without
 * paging returns.
 */
class KeysetTest {
  private static final ListSpec SPEC = ListSpec.of(
      FilterSchema.of(FilterField.string("name", "name")),
      List.of(new SortField("name", "name", SortField.Type.STRING), SortField.CREATE_TIME))
      .hidingDeleted("not deleted");
  private static Handle handle;

  @BeforeAll
  static void createTable() {
    handle = TestDatabase.database().jdbi().open();
    // A temp table lives only in this session. Names and times repeat, so the id must break ties.
    handle.execute("""
        create temp table keyset_rows (
          id uuid primary key, name text not null, create_time timestamptz not null,
          deleted boolean not null)""");
    for (int i = 0; i < 23; i++) {
      handle.createUpdate(
              "insert into keyset_rows values (:id, :name, :time::timestamptz, :deleted)")
          .bind("id", new UUID(i % 5, i))
          .bind("name", "n" + (i % 4))
          .bind("time", "2026-01-0" + (1 + i % 3) + "T00:00:00Z")
          .bind("deleted", i % 7 == 0)
          .execute();
    }
  }

  @AfterAll
  static void close() {
    handle.close();
  }

  private static Page<UUID> page(ListQuery query) {
    return Keyset.page(handle, Select.from("keyset_rows", "id"), SPEC.plan(query),
        (rs, ctx) -> rs.getObject("id", UUID.class));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "name", "name desc", "name desc, create_time",
      "create_time desc, name", "create_time, name desc"})
  void pages_everyOrder_visitEachRowOnceInOrder(String orderBy) {
    for (boolean showDeleted : new boolean[] {false, true}) {
      List<UUID> whole = page(new ListQuery(1000, "", orderBy, showDeleted, Optional.empty(),
          Set.of())).items();
      List<UUID> paged = new ArrayList<>();
      Optional<Position> after = Optional.empty();
      do {
        Page<UUID> page = page(new ListQuery(3, "", orderBy, showDeleted, after, Set.of()));
        paged.addAll(page.items());
        after = page.next();
      } while (after.isPresent());

      assertThat(whole).hasSize(showDeleted ? 23 : 19);
      assertThat(paged).containsExactlyElementsOf(whole);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"name = n1", "name != n1 AND name != n2"})
  void pages_withFilter_keepTheFilterOnEveryPage(String filter) {
    List<UUID> paged = new ArrayList<>();
    Optional<Position> after = Optional.empty();
    do {
      Page<UUID> page = page(new ListQuery(2, filter, "name desc", false, after, Set.of()));
      paged.addAll(page.items());
      after = page.next();
    } while (after.isPresent());

    assertThat(paged).containsExactlyElementsOf(page(new ListQuery(1000, filter, "name desc", false,
        Optional.empty(), Set.of())).items());
    assertThat(paged).isNotEmpty().hasSizeLessThan(19);
  }
}
