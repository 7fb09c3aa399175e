package dev.roster.planted.accounts.internal;

/** A context-internal class; public only so that the planted handler can (wrongly) use it. */
public final class Secret {
  public static final String VALUE = "s";

  public static String value() {
    return VALUE;
  }
}
