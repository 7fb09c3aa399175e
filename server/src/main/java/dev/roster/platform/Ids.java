package dev.roster.platform;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import java.util.UUID;

/**
 * Makes resource ids: time-ordered UUIDv7 (RFC 9562), so that new rows land at the right edge of
 * the primary-key index (compact B-trees, like a sequence) while ids stay unguessable and free of
 * any coordination between replicas.
 */
public final class Ids {
  private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();

  private Ids() {}

  public static UUID newId() {
    return GENERATOR.generate();
  }
}
