package dev.roster.platform.errors;

import java.util.ArrayList;
import java.util.List;

/** Collects field violations while a request is checked, then throws them all at once. */
public final class Violations {
  private final List<FieldViolation> found = new ArrayList<>();

  public Violations add(String field, String reason, String description) {
    found.add(new FieldViolation(field, reason, description));
    return this;
  }

  public boolean isEmpty() {
    return found.isEmpty();
  }

  /** Throws an {@link InvalidArgumentException} carrying every violation, if there is any. */
  public void throwIfAny() {
    if (!found.isEmpty()) {
      throw new InvalidArgumentException(found);
    }
  }
}
