package dev.roster.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class DatabaseAvailabilityTest {
  @Test
  void listenersHearEachChangeOnce_andOneFailingListenerStopsNoOther() {
    DatabaseAvailability availability = new DatabaseAvailability(true);
    List<Boolean> heard = new CopyOnWriteArrayList<>();
    availability.onChange(up -> {
      throw new IllegalStateException("a broken listener");
    });
    availability.onChange(heard::add);

    assertThat(availability.report(true)).isFalse();
    assertThat(availability.report(false)).isTrue();
    assertThat(availability.report(false)).isFalse();
    assertThat(availability.up()).isFalse();
    assertThat(availability.report(true)).isTrue();

    assertThat(heard).containsExactly(false, true);
    assertThat(availability.up()).isTrue();
  }
}
