package dev.roster.platform;

/**
 * Whether the JVM has begun to shut down (SIGTERM, SIGINT, {@code System.exit}), so that a start-up
 * still in progress stops instead of starting more (a child process such as the embedded
 * PostgreSQL would outlive the JVM).
 */
public final class JvmShutdown {
  private JvmShutdown() {}

  /**
   * True once the shutdown hooks run. The JDK has no query for it; registering a hook is refused
   * from then on ({@link Runtime#addShutdownHook} throws {@link IllegalStateException}), which is
   * what this asks.
   */
  public static boolean inProgress() {
    Thread probe = new Thread(() -> { }, "roster-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    return false;
  }

  /**
   * Throws {@link StartAbortedException} if the JVM is shutting down; start-up calls it before each
   * step that would start something.
   *
   * @param next what start-up was about to do, for the message
   */
  public static void abortStartIfInProgress(String next) {
    if (inProgress()) {
      throw new StartAbortedException("start-up stopped by shutdown before " + next);
    }
  }

  /** Start-up gave up because the JVM is shutting down; what it had started is stopped. */
  public static final class StartAbortedException extends RuntimeException {
    public StartAbortedException(String message) {
      super(message);
    }
  }
}
