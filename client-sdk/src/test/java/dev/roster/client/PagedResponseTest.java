package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PagedResponseTest {
  private static PagedResponse<String> threePages(AtomicInteger fetches, boolean thirdFails) {
    return new PagedResponse<>(new PagedResponse.Page<>(List.of("a", "b"), "t2"), token -> {
      fetches.incrementAndGet();
      if (token.equals("t2")) {
        return new PagedResponse.Page<>(List.of("c", "d"), "t3");
      }
      if (thirdFails) {
        throw new IllegalStateException("page 3 failed");
      }
      return new PagedResponse.Page<>(List.of("e"), "");
    }, null);
  }

  @Test
  void fetchesNothingAhead() {
    AtomicInteger fetches = new AtomicInteger();
    assertThat(threePages(fetches, false).stream().findFirst()).contains("a");
    assertThat(fetches).hasValue(0);
    assertThat(threePages(fetches, false).stream().toList()).containsExactly("a", "b", "c", "d", "e");
    assertThat(fetches).hasValue(2);
  }

  @Test
  void failingFetch_losesNoItemAlreadyFetched() {
    List<String> seen = new ArrayList<>();
    assertThatThrownBy(() -> threePages(new AtomicInteger(), true).iterateAll().forEach(seen::add))
        .hasMessage("page 3 failed");
    assertThat(seen).containsExactly("a", "b", "c", "d");
  }
}
