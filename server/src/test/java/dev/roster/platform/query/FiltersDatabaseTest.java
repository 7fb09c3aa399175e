package dev.roster.platform.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Compiled filters run on the real PostgreSQL and select exactly the rows they should. */
class FiltersDatabaseTest {
  private static Handle handle;

  @BeforeAll
  static void createTable() {
    Jdbi jdbi = TestDatabase.database().jdbi();
    handle = jdbi.open();
    // A temp table lives only in this session, so nothing leaks into other tests.
    handle.execute("""
        create temp table filter_users (
          id int primary key, handle text, email text, display_name text,
          create_time timestamptz not null, state text not null)""");
    handle.execute("""
        insert into filter_users values
          (1, 'ada',      'Ada@Example.com',   'Ada Lovelace',   '2024-01-01T00:00:00Z', 'ACTIVE'),
          (2, 'adam',     'adam@example.com',  'Adam_Smith',     '2024-02-01T00:00:00Z', 'SUSPENDED'),
          (3, 'a%d',      'pct@example.com',   '100%! sure',      '2024-03-01T00:00:00Z', 'ACTIVE'),
          (4, 'a_d',      'under@example.com', 'back\\slash',    '2024-04-01T12:00:00Z', 'DELETED'),
          (5, 'bob',      'BOB@example.org',   'Bob "quoted"',   '2024-05-01T00:00:00Z', 'ACTIVE'),
          (6, 'aXd',      null,                null,             '2024-06-01T00:00:00Z', 'ACTIVE')""");
  }

  @AfterAll
  static void close() {
    handle.close();
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        Arguments.of("", List.of(1, 2, 3, 4, 5, 6)),
        Arguments.of("handle = ada", List.of(1)),
        Arguments.of("handle != ada", List.of(2, 3, 4, 5, 6)),
        Arguments.of("handle = ad*", List.of(1, 2)),
        Arguments.of("handle != ad*", List.of(3, 4, 5, 6)),
        Arguments.of("handle = \"a%*\"", List.of(3)),
        Arguments.of("handle = \"a_*\"", List.of(4)),
        Arguments.of("handle = \"a%d\"", List.of(3)),
        Arguments.of("handle > b", List.of(5)),
        Arguments.of("email = ada@example.COM", List.of(1)),
        Arguments.of("email = \"b*\"", List.of(5)),
        Arguments.of("email != \"A*\"", List.of(3, 4, 5)),
        Arguments.of("display_name = \"100%*\"", List.of(3)),
        Arguments.of("display_name = \"100%!*\"", List.of(3)),
        Arguments.of("display_name = \"100!*\"", List.of()),
        Arguments.of("display_name = \"Adam_*\"", List.of(2)),
        Arguments.of("display_name = \"back\\\\slash\"", List.of(4)),
        Arguments.of("display_name = \"back\\\\*\"", List.of(4)),
        Arguments.of("display_name = 'Bob \"quoted\"'", List.of(5)),
        Arguments.of("create_time >= \"2024-03-01T00:00:00Z\"", List.of(3, 4, 5, 6)),
        Arguments.of("create_time < \"2024-04-01T14:00:01+02:00\"", List.of(1, 2, 3, 4)),
        Arguments.of("create_time < \"2024-04-01T14:00:00+02:00\"", List.of(1, 2, 3)),
        Arguments.of("create_time > \"2024-04-01T11:59:59.999-00:00\"", List.of(4, 5, 6)),
        Arguments.of("create_time = \"2024-04-01T14:00:00+02:00\"", List.of(4)),
        // The ends of the range, and offsets PostgreSQL itself would reject (it allows up to 15:59).
        Arguments.of("create_time > \"0001-01-01T00:00:00Z\"", List.of(1, 2, 3, 4, 5, 6)),
        Arguments.of("create_time < \"9999-12-31T23:59:59.999999999Z\"", List.of(1, 2, 3, 4, 5, 6)),
        Arguments.of("create_time < \"9999-12-31T05:59:59.999999999+18:00\"", List.of(1, 2, 3, 4, 5, 6)),
        Arguments.of("create_time >= \"2024-03-31T18:00:00-18:00\"", List.of(4, 5, 6)),
        // Odd text PostgreSQL must accept as a parameter: a lone surrogate, an escaped emoji.
        Arguments.of("display_name = \"\uD800\"", List.of()),
        Arguments.of("display_name != \"\\uD83D\\uDE00*\"", List.of(1, 2, 3, 4, 5)),
        Arguments.of("state = ACTIVE", List.of(1, 3, 5, 6)),
        Arguments.of("state != ACTIVE", List.of(2, 4)),
        Arguments.of("state = ACTIVE AND handle = a* OR handle = bob", List.of(1, 3, 5, 6)),
        Arguments.of("state = SUSPENDED AND handle = ada OR handle = adam", List.of(2)),
        Arguments.of("(state = SUSPENDED AND handle = ada) OR handle = adam", List.of(2)),
        Arguments.of("handle = ad* handle != adam", List.of(1)),
        Arguments.of("NOT state = ACTIVE OR handle = bob", List.of(2, 4, 5)),
        Arguments.of("-(handle = a* OR email = \"b*\")", List.of()),
        Arguments.of("handle = a* AND NOT handle = ad* AND email != \"u*\"", List.of(3)),
        // Two LIKE patterns in one statement: the named parameters must survive Jdbi's parser.
        Arguments.of("handle = a* AND email = \"a*\" AND display_name != \"x*\"", List.of(1, 2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void compiledFilter_selectsExactlyTheExpectedRows(String filter, List<Integer> expected) {
    SqlFragment fragment = TestSchemas.compile(filter);
    List<Integer> ids = handle.createQuery("select id from filter_users where " + fragment.sql() + " order by id")
        .bindMap(fragment.params())
        .mapTo(Integer.class)
        .list();
    assertThat(ids).as("%s -> %s %s", filter, fragment.sql(), fragment.params()).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void compiledFilter_combinesWithOtherConditions(String filter, List<Integer> expected) {
    SqlFragment fragment = TestSchemas.compile(filter);
    List<Integer> ids = handle.createQuery("select id from filter_users where id <> :excluded and " + fragment.sql()
            + " order by id")
        .bindMap(Map.of("excluded", 1))
        .bindMap(fragment.params())
        .mapTo(Integer.class)
        .list();
    assertThat(ids).containsExactlyElementsOf(expected.stream().filter(id -> id != 1).toList());
  }

  @Test
  void everyCompiledFilter_isSqlPostgresAccepts() {
    RandomFilters random = new RandomFilters(5432);
    int ran = 0;
    for (int i = 0; i < 3_000 && ran < 600; i++) {
      String filter = i % 2 == 0 ? random.valid().text() : random.garbage();
      SqlFragment fragment;
      try {
        fragment = TestSchemas.compile(filter);
      } catch (InvalidArgumentException e) {
        continue;
      }
      try {
        handle.createQuery("select count(*) from filter_users where " + fragment.sql())
            .bindMap(fragment.params()).mapTo(Integer.class).one();
      } catch (RuntimeException e) {
        throw new AssertionError("filter " + RandomFilters.javaLiteral(filter) + " -> " + fragment.sql(), e);
      }
      ran++;
    }
    assertThat(ran).isEqualTo(600);
  }
}
